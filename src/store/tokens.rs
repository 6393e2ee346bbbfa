//! Named bearer tokens for the HTTP transport. Only a SHA-256 of each token is stored; the
//! token itself is shown once, when created. Each token's name is a workspace.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sha2::Digest;

use crate::store::{Error, file};

/// `tokens.json`: token name -> hex SHA-256 of the token.
#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

/// The identities the HTTP transport accepts: name -> token hash.
#[derive(Debug, Clone, Default)]
pub struct TokenSet {
    hashes: Vec<(String, [u8; 32])>,
}

impl TokenStore {
    pub(crate) fn new(path: PathBuf) -> TokenStore {
        TokenStore { path }
    }

    fn load(&self) -> Result<BTreeMap<String, String>, Error> {
        file::read(&self.path)
    }

    /// Creates (or replaces) the token `name` and returns it; it is not stored anywhere.
    pub fn create(&self, name: &str) -> Result<String, Error> {
        if !valid_name(name) {
            return Err(Error::BadTokenName {
                name: name.to_string(),
            });
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let token = format!("sb_{}", hex(&bytes));
        let mut all = self.load()?;
        all.insert(name.to_string(), hex(&sha256(&token)));
        file::write(&self.path, &all)?;
        Ok(token)
    }

    /// Names only, sorted.
    pub fn names(&self) -> Result<Vec<String>, Error> {
        file::keys(&self.path)
    }

    /// Deletes a token; false if there was none of that name.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        file::remove_key(&self.path, name)
    }

    /// The stored tokens, plus `extra` (`SWITCHBOARD_TOKEN`, named `env`).
    pub fn token_set(&self, extra: Option<&str>) -> Result<TokenSet, Error> {
        let mut hashes: Vec<(String, [u8; 32])> = self
            .load()?
            .into_iter()
            .filter(|(name, _)| {
                let valid = valid_name(name);
                if !valid {
                    tracing::warn!(name, "ignoring a token with an invalid name in tokens.json");
                }
                valid
            })
            .filter_map(|(name, hash)| unhex(&hash).map(|h| (name, h)))
            .collect();
        if let Some(token) = extra.filter(|t| !t.is_empty()) {
            hashes.push(("env".to_string(), sha256(token)));
        }
        Ok(TokenSet { hashes })
    }
}

/// Token names are workspace names and file names: letters, digits, `-` and `_`, so that no
/// name can contain the `.` of a per-session workspace's name (`NAME.session-N`).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl TokenSet {
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The name of the token `presented`, comparing hashes in constant time (every stored
    /// hash is compared in full, whatever matches).
    pub fn identify(&self, presented: &str) -> Option<&str> {
        let presented = sha256(presented);
        let mut found = None;
        for (name, hash) in &self.hashes {
            let difference = hash
                .iter()
                .zip(presented.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if difference == 0 {
                found = Some(name.as_str());
            }
        }
        found
    }
}

fn sha256(text: &str) -> [u8; 32] {
    sha2::Sha256::digest(text.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashes_are_stored_and_tokens_identify_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("tokens.json"));
        let alice = store.create("alice").unwrap();
        let bob = store.create("bob").unwrap();
        let stored = std::fs::read_to_string(dir.path().join("tokens.json")).unwrap();
        assert!(!stored.contains(&alice) && !stored.contains(&bob));
        let set = store.token_set(Some("env-token")).unwrap();
        assert_eq!(set.identify(&alice), Some("alice"));
        assert_eq!(set.identify(&bob), Some("bob"));
        assert_eq!(set.identify("env-token"), Some("env"));
        assert_eq!(set.identify("sb_wrong"), None);
        assert!(store.remove("alice").unwrap());
        assert_eq!(store.token_set(None).unwrap().identify(&alice), None);
        assert!(store.create("bad name").is_err());
        assert!(store.create("alice.session-1").is_err());
    }

    #[test]
    fn a_hand_edited_name_that_could_pass_for_a_session_workspace_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let hash = hex(&sha256("sb_handmade"));
        std::fs::write(&path, format!(r#"{{"alice.session-1": "{hash}"}}"#)).unwrap();
        let set = TokenStore::new(path).token_set(None).unwrap();
        assert_eq!(set.identify("sb_handmade"), None);
    }
}
