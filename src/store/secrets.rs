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

/// A secrets file: the gateway-wide `secrets.json`, or a workspace's own
/// `secrets/<workspace>.json`. Secret name -> value.
#[derive(Clone)]
pub struct SecretStore {
    path: PathBuf,
    /// The file as last read, with the stamp it had: `mcp-find` looks up secrets for every
    /// result, and re-parsing the file each time is wasted work, while a `switchboard secret
    /// set` from another process must still be seen at once.
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

type CachedFile = Option<(file::Stamp, BTreeMap<String, String>)>;

impl SecretStore {
    pub(crate) fn new(path: PathBuf) -> SecretStore {
        SecretStore {
            path,
            cache: Arc::default(),
        }
    }

    pub fn set(&self, name: &str, value: Secret) -> Result<(), Error> {
        check_name(name)?;
        file::update(&self.path, |all: &mut BTreeMap<String, String>| {
            all.insert(name.to_string(), value.0);
            (true, ())
        })
    }

    /// Removes a secret; false if there was none of that name.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        file::remove_key(&self.path, name)
    }

    /// Names only, sorted.
    pub fn names(&self) -> Result<Vec<String>, Error> {
        file::keys(&self.path)
    }

    /// Deletes the whole file (a workspace being deleted); true if it existed.
    pub fn delete(&self) -> Result<bool, Error> {
        file::delete(&self.path)
    }

    fn get(&self, name: &str) -> Option<Secret> {
        let stamp = file::stamp(&self.path);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(stamp), Some((cached, all))) = (stamp, cache.as_ref())
            && *cached == stamp
        {
            return all.get(name).cloned().map(Secret);
        }
        let Some(stamp) = stamp else {
            *cache = None;
            return None;
        };
        match file::read::<BTreeMap<String, String>>(&self.path) {
            Ok(all) => {
                let found = all.get(name).cloned().map(Secret);
                *cache = Some((stamp, all));
                found
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot read a secrets file");
                None
            }
        }
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    if valid_secret_name(name) {
        Ok(())
    } else {
        Err(Error::BadSecretName {
            name: name.to_string(),
        })
    }
}

/// Secret names: letters, digits, `.`, `_` and `-`, at most 128 of them.
pub fn valid_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The environment variable that supplies secret `name`: `SWITCHBOARD_SECRET_` and the name
/// upper-cased with every other character as `_` (`github.personal_access_token` ->
/// `SWITCHBOARD_SECRET_GITHUB_PERSONAL_ACCESS_TOKEN`).
pub fn env_name(name: &str) -> String {
    format!("SWITCHBOARD_SECRET_{}", variable_style(name))
}

/// `text` as an environment variable's name is written: upper-case, every character other
/// than a letter or digit as `_`.
pub fn variable_style(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The gateway-wide secrets: `SWITCHBOARD_SECRET_<NAME>` in the gateway's environment, the
/// gateway-wide file (re-read whenever it changes, so `switchboard secret set` takes effect
/// without a restart), and the variable the catalog names (`GITHUB_PERSONAL_ACCESS_TOKEN`).
/// A workspace's own secrets come before all of them; see [`SecretScope::lookup`].
#[derive(Clone)]
pub struct Secrets {
    store: Option<SecretStore>,
    env: HashMap<String, Secret>,
    /// `run --isolate-secrets`: workspaces see only their own secrets.
    isolated: bool,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("store", &self.store)
            .field("env_names", &self.env.len())
            .field("isolated", &self.isolated)
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
        Secrets {
            store,
            env,
            isolated: false,
        }
    }

    /// With `isolated`, no workspace sees the gateway-wide secrets (multi-tenant gateways).
    pub fn isolated(mut self, isolated: bool) -> Secrets {
        self.isolated = isolated;
        self
    }

    pub fn is_isolated(&self) -> bool {
        self.isolated
    }

    /// The lookup for workspace `workspace`, whose own secrets are in `own`.
    pub fn scope<'a>(&'a self, workspace: &'a str, own: &'a SecretStore) -> SecretScope<'a> {
        SecretScope {
            workspace,
            own: Some(own),
            gateway: self,
        }
    }

    /// The lookup for a workspace without secrets of its own.
    pub fn unscoped(&self) -> SecretScope<'_> {
        SecretScope {
            workspace: "",
            own: None,
            gateway: self,
        }
    }

    fn lookup(&self, spec: &SecretSpec) -> Option<Secret> {
        if self.isolated {
            return None;
        }
        if let Some(secret) = self.env.get(&env_name(&spec.name)) {
            return Some(secret.clone());
        }
        if let Some(secret) = self.store.as_ref().and_then(|s| s.get(&spec.name)) {
            return Some(secret);
        }
        self.env.get(&spec.env).cloned()
    }
}

/// The secrets one workspace sees.
#[derive(Debug, Clone, Copy)]
pub struct SecretScope<'a> {
    workspace: &'a str,
    own: Option<&'a SecretStore>,
    gateway: &'a Secrets,
}

impl SecretScope<'_> {
    /// The value for a catalog secret, looked up in this order (the one place it is decided):
    /// the workspace's own (`switchboard secret set NAME --workspace W`), then, unless the
    /// gateway isolates secrets, `SWITCHBOARD_SECRET_<NAME>`, the gateway-wide file and the
    /// catalog's variable in the gateway's environment.
    pub fn lookup(&self, spec: &SecretSpec) -> Option<Secret> {
        self.own
            .and_then(|own| own.get(&spec.name))
            .or_else(|| self.gateway.lookup(spec))
    }

    /// The command that sets `name` where this workspace will find it.
    pub fn set_command(&self, name: &str) -> String {
        if self.gateway.isolated && !self.workspace.is_empty() {
            format!(
                "switchboard secret set {name} --workspace {}",
                self.workspace
            )
        } else {
            format!("switchboard secret set {name}")
        }
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
            optional: false,
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
    fn lookup_order_scopes_isolation_and_redaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path().join("secrets.json"));
        store
            .set("gh.token", Secret::new("from-file".into()))
            .unwrap();
        let alice = SecretStore::new(dir.path().join("secrets/alice.json"));
        alice
            .set("gh.token", Secret::new("from-alice".into()))
            .unwrap();
        let bob = SecretStore::new(dir.path().join("secrets/bob.json"));
        let env = [
            ("GH_TOKEN".to_string(), "from-catalog-env".to_string()),
            (
                "SWITCHBOARD_SECRET_OTHER_TOKEN".to_string(),
                "from-switchboard-env".to_string(),
            ),
        ];
        let secrets = Secrets::new(Some(store), env);
        let value = |scope: SecretScope<'_>, name: &str| {
            scope
                .lookup(&spec(name, "GH_TOKEN"))
                .map(|s| s.expose().to_string())
        };
        let gateway = secrets.unscoped();
        assert_eq!(value(gateway, "gh.token").as_deref(), Some("from-file"));
        assert_eq!(
            value(gateway, "other.token").as_deref(),
            Some("from-switchboard-env")
        );
        assert_eq!(value(gateway, "third").as_deref(), Some("from-catalog-env"));
        assert!(gateway.lookup(&spec("none", "NONE")).is_none());
        // A workspace's own value comes first; another workspace never sees it.
        assert_eq!(
            value(secrets.scope("alice", &alice), "gh.token").as_deref(),
            Some("from-alice")
        );
        assert_eq!(
            value(secrets.scope("bob", &bob), "gh.token").as_deref(),
            Some("from-file")
        );
        // Isolated, a workspace sees its own secrets and nothing of the gateway's.
        let isolated = secrets.clone().isolated(true);
        assert_eq!(
            value(isolated.scope("alice", &alice), "gh.token").as_deref(),
            Some("from-alice")
        );
        assert_eq!(value(isolated.scope("bob", &bob), "gh.token"), None);
        assert_eq!(value(isolated.scope("bob", &bob), "third"), None);
        assert_eq!(
            isolated.scope("bob", &bob).set_command("gh.token"),
            "switchboard secret set gh.token --workspace bob"
        );
        assert_eq!(
            secrets.scope("bob", &bob).set_command("gh.token"),
            "switchboard secret set gh.token"
        );
        let shown = format!(
            "{secrets:?} {alice:?} {:?}",
            gateway.lookup(&spec("gh.token", "GH_TOKEN"))
        );
        assert!(!shown.contains("from-"), "{shown}");
    }
}
