//! Secret values: stored in a 0600 file by `switchboard secret set`, or given in the
//! environment, and looked up by the names catalogs declare.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::catalog::SecretSpec;
use crate::store::{Error, file};

/// A secret value. It reaches a container's environment and nothing else: no log, no error,
/// no tool result.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one place that needs it: the container's environment.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// `text` with every non-empty value of `secrets` replaced by `<redacted>`: a server may print
/// its own credentials, a remote's error may echo them, and such text reaches the model.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_string(), |text, secret| {
            text.replace(secret.as_str(), "<redacted>")
        })
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secrets file, `secrets.json` in the home directory: secret name -> value.
#[derive(Clone)]
pub struct SecretStore {
    path: PathBuf,
    /// The file as last read, with the (modified time, length) it had: `mcp-find` looks up
    /// secrets for every result, and re-parsing the file each time is wasted work, while a
    /// `switchboard secret set` from another process must still be seen at once.
    cache: Arc<Mutex<CachedFile>>,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the cached values.
        f.debug_struct("SecretStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

type FileStamp = (Option<std::time::SystemTime>, u64);
type CachedFile = Option<(FileStamp, BTreeMap<String, String>)>;

impl SecretStore {
    pub(crate) fn new(path: PathBuf) -> SecretStore {
        SecretStore {
            path,
            cache: Arc::default(),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, String>, Error> {
        file::read(&self.path)
    }

    pub fn set(&self, name: &str, value: Secret) -> Result<(), Error> {
        check_name(name)?;
        let mut all = self.load()?;
        all.insert(name.to_string(), value.0);
        file::write(&self.path, &all)
    }

    /// Removes a secret; false if there was none of that name.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        file::remove_key(&self.path, name)
    }

    /// Names only, sorted.
    pub fn names(&self) -> Result<Vec<String>, Error> {
        file::keys(&self.path)
    }

    fn get(&self, name: &str) -> Option<Secret> {
        let stamp = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.modified().ok(), m.len()));
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(stamp), Some((cached, all))) = (stamp, cache.as_ref())
            && *cached == stamp
        {
            return all.get(name).cloned().map(Secret);
        }
        match self.load() {
            Ok(all) => {
                let found = all.get(name).cloned().map(Secret);
                *cache = stamp.map(|stamp| (stamp, all));
                found
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the secrets file");
                None
            }
        }
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(Error::BadSecretName {
            name: name.to_string(),
        })
    }
}

/// The environment variable that supplies secret `name`: `SWITCHBOARD_SECRET_` and the name
/// upper-cased with every other character as `_` (`github.personal_access_token` ->
/// `SWITCHBOARD_SECRET_GITHUB_PERSONAL_ACCESS_TOKEN`).
pub fn env_name(name: &str) -> String {
    let tail: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("SWITCHBOARD_SECRET_{tail}")
}

/// Where secrets are looked up, in order: `SWITCHBOARD_SECRET_<NAME>` in the gateway's
/// environment, the secrets file (re-read whenever it changes, so `switchboard secret set` takes
/// effect without a restart), then the variable the catalog names (`GITHUB_PERSONAL_ACCESS_TOKEN`).
#[derive(Clone)]
pub struct Secrets {
    store: Option<SecretStore>,
    env: HashMap<String, Secret>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("store", &self.store)
            .field("env_names", &self.env.len())
            .finish()
    }
}

impl Secrets {
    /// `env` is a snapshot of the gateway's environment; empty values count as unset.
    pub fn new(
        store: Option<SecretStore>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Secrets {
        let env = env
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name, Secret(value)))
            .collect();
        Secrets { store, env }
    }

    /// The value for a catalog secret, if any source has it.
    pub fn lookup(&self, spec: &SecretSpec) -> Option<Secret> {
        if let Some(secret) = self.env.get(&env_name(&spec.name)) {
            return Some(secret.clone());
        }
        if let Some(secret) = self.store.as_ref().and_then(|s| s.get(&spec.name)) {
            return Some(secret);
        }
        self.env.get(&spec.env).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn spec(name: &str, env: &str) -> SecretSpec {
        SecretSpec {
            name: name.into(),
            env: env.into(),
        }
    }

    #[test]
    fn store_is_owner_only_and_lists_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path().join("home/secrets.json"));
        store
            .set("github.token", Secret::new("s3cr3t-value".into()))
            .unwrap();
        store.set("b.key", Secret::new("other".into())).unwrap();
        let mode = std::fs::metadata(dir.path().join("home/secrets.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("home"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        assert_eq!(store.names().unwrap(), vec!["b.key", "github.token"]);
        assert!(store.remove("b.key").unwrap());
        assert!(!store.remove("b.key").unwrap());
        assert!(matches!(
            store.set("bad name!", Secret::new("x".into())),
            Err(Error::BadSecretName { .. })
        ));
    }

    #[test]
    fn lookup_order_and_redaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path().join("secrets.json"));
        store
            .set("gh.token", Secret::new("from-file".into()))
            .unwrap();
        let env = [
            ("GH_TOKEN".to_string(), "from-catalog-env".to_string()),
            (
                "SWITCHBOARD_SECRET_OTHER_TOKEN".to_string(),
                "from-switchboard-env".to_string(),
            ),
        ];
        let secrets = Secrets::new(Some(store), env);
        assert_eq!(
            secrets
                .lookup(&spec("gh.token", "GH_TOKEN"))
                .unwrap()
                .expose(),
            "from-file"
        );
        assert_eq!(
            secrets
                .lookup(&spec("other.token", "GH_TOKEN"))
                .unwrap()
                .expose(),
            "from-switchboard-env"
        );
        assert_eq!(
            secrets.lookup(&spec("third", "GH_TOKEN")).unwrap().expose(),
            "from-catalog-env"
        );
        assert!(secrets.lookup(&spec("none", "NONE")).is_none());
        let shown = format!(
            "{secrets:?} {:?}",
            secrets.lookup(&spec("gh.token", "GH_TOKEN"))
        );
        assert!(!shown.contains("from-"), "{shown}");
    }
}
