//! Named bearer tokens for the HTTP transport. Only a SHA-256 of each token is stored; the
//! token itself is shown once, when created. A workspace token's name is its workspace; an
//! admin token opens the provisioning API (`/admin/v1`) and nothing else.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::store::digest::{hex, sha256};
use serde::{Deserialize, Serialize};

use crate::store::{Error, file};

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `/mcp`, as the workspace named like the token.
    Workspace,
    /// `/admin/v1`, to provision workspaces.
    Admin,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Workspace => "workspace",
            TokenKind::Admin => "admin",
        }
    }
}

/// `tokens.json`: token name -> hex SHA-256 (a workspace token, the original format) or
/// `{"hash": ..., "admin": true}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum Stored {
    Hash(String),
    Entry {
        hash: String,
        #[serde(default)]
        admin: bool,
    },
}

impl Stored {
    fn new(hash: String, kind: TokenKind) -> Stored {
        match kind {
            TokenKind::Workspace => Stored::Hash(hash),
            TokenKind::Admin => Stored::Entry { hash, admin: true },
        }
    }

    fn hash(&self) -> &str {
        match self {
            Stored::Hash(hash) | Stored::Entry { hash, .. } => hash,
        }
    }

    fn kind(&self) -> TokenKind {
        match self {
            Stored::Entry { admin: true, .. } => TokenKind::Admin,
            _ => TokenKind::Workspace,
        }
    }
}

type StoredTokens = BTreeMap<String, Stored>;

/// The token file in the home directory.
#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

/// Who a presented token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub name: String,
    pub kind: TokenKind,
    /// The token's hash: a token re-created under the same name has another one.
    pub hash: [u8; 32],
}

/// The tokens the HTTP transport accepts, by hash.
#[derive(Debug, Clone, Default)]
pub struct TokenSet {
    by_hash: HashMap<[u8; 32], Grant>,
}

impl TokenStore {
    pub(crate) fn new(path: PathBuf) -> TokenStore {
        TokenStore { path }
    }

    /// What the token file looks like now (`None` if there is none): a running gateway
    /// re-reads the tokens when this changes.
    pub fn stamp(&self) -> Option<crate::store::Stamp> {
        file::stamp(&self.path)
    }

    /// Creates (or replaces) the token `name` and returns it; it is not stored anywhere.
    pub fn create(&self, name: &str, kind: TokenKind) -> Result<String, Error> {
        let (token, hash) = new_token(name, &self.path)?;
        file::update(&self.path, |all: &mut StoredTokens| {
            all.insert(name.to_string(), Stored::new(hash, kind));
            (true, ())
        })?;
        Ok(token)
    }

    /// Creates the token `name` unless one of that name exists (`None` then).
    pub fn create_new(&self, name: &str, kind: TokenKind) -> Result<Option<String>, Error> {
        let (token, hash) = new_token(name, &self.path)?;
        file::update(&self.path, |all: &mut StoredTokens| {
            if all.contains_key(name) {
                return (false, None);
            }
            all.insert(name.to_string(), Stored::new(hash, kind));
            (true, Some(token))
        })
    }

    /// Names and kinds, sorted by name.
    pub fn list(&self) -> Result<Vec<(String, TokenKind)>, Error> {
        let all: StoredTokens = file::read(&self.path)?;
        Ok(all.into_iter().map(|(n, s)| (n, s.kind())).collect())
    }

    /// Deletes a token; false if there was none of that name.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        file::remove_key(&self.path, name)
    }

    /// The stored tokens, plus `extra` (`SWITCHBOARD_TOKEN`, a workspace token named `env`).
    pub fn token_set(&self, extra: Option<&str>) -> Result<TokenSet, Error> {
        let stored: StoredTokens = file::read(&self.path)?;
        let mut by_hash = HashMap::new();
        for (name, entry) in stored {
            if !valid_name(&name) {
                tracing::warn!(name, "ignoring a token with an invalid name in tokens.json");
                continue;
            }
            let Some(hash) = unhex(entry.hash()) else {
                tracing::warn!(name, "ignoring a token whose hash is not 64 hex digits");
                continue;
            };
            let kind = entry.kind();
            by_hash.insert(hash, Grant { name, kind, hash });
        }
        if let Some(token) = extra.filter(|t| !t.is_empty()) {
            let hash = sha256(token);
            by_hash.insert(
                hash,
                Grant {
                    name: ENV_TOKEN.to_string(),
                    kind: TokenKind::Workspace,
                    hash,
                },
            );
        }
        Ok(TokenSet { by_hash })
    }
}

/// The name of the token given as `SWITCHBOARD_TOKEN`.
pub const ENV_TOKEN: &str = "env";

fn new_token(name: &str, path: &std::path::Path) -> Result<(String, String), Error> {
    if !valid_name(name) {
        return Err(Error::BadTokenName {
            name: name.to_string(),
        });
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let token = format!("sb_{}", hex(&bytes));
    let hash = hex(&sha256(&token));
    Ok((token, hash))
}

/// Token names are workspace names and file names: letters, digits, `-` and `_`, so that no
/// name can contain the `.` of a per-session workspace's name (`NAME.session-N`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl TokenSet {
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Who `presented` is. The lookup is by the token's SHA-256: its timing can only depend on
    /// the hash, which tells an attacker nothing about any stored token's value.
    pub fn identify(&self, presented: &str) -> Option<&Grant> {
        self.by_hash.get(&sha256(presented))
    }

    /// Every token, in no particular order.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.by_hash.values()
    }

    /// Whether any token opens the workspace `name`.
    pub fn has_workspace(&self, name: &str) -> bool {
        self.grants()
            .any(|g| g.kind == TokenKind::Workspace && g.name == name)
    }
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
        let alice = store.create("alice", TokenKind::Workspace).unwrap();
        let bob = store.create("bob", TokenKind::Workspace).unwrap();
        let ops = store.create("ops", TokenKind::Admin).unwrap();
        let stored = std::fs::read_to_string(dir.path().join("tokens.json")).unwrap();
        assert!(!stored.contains(&alice) && !stored.contains(&bob) && !stored.contains(&ops));
        let set = store.token_set(Some("env-token")).unwrap();
        let name = |t: &str| set.identify(t).map(|g| (g.name.as_str(), g.kind));
        assert_eq!(name(&alice), Some(("alice", TokenKind::Workspace)));
        assert_eq!(name(&bob), Some(("bob", TokenKind::Workspace)));
        assert_eq!(name(&ops), Some(("ops", TokenKind::Admin)));
        assert_eq!(name("env-token"), Some(("env", TokenKind::Workspace)));
        assert_eq!(name("sb_wrong"), None);
        assert!(set.has_workspace("alice") && !set.has_workspace("ops"));
        assert!(store.remove("alice").unwrap());
        assert!(store.token_set(None).unwrap().identify(&alice).is_none());
        assert!(store.create("bad name", TokenKind::Workspace).is_err());
        assert!(
            store
                .create("alice.session-1", TokenKind::Workspace)
                .is_err()
        );
        assert!(
            store
                .create_new("bob", TokenKind::Workspace)
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .create_new("carol", TokenKind::Workspace)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            store.list().unwrap(),
            vec![
                ("bob".to_string(), TokenKind::Workspace),
                ("carol".to_string(), TokenKind::Workspace),
                ("ops".to_string(), TokenKind::Admin)
            ]
        );
    }

    #[test]
    fn the_original_format_still_loads_and_bad_entries_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let hash = hex(&sha256("sb_handmade"));
        std::fs::write(
            &path,
            format!(
                r#"{{"alice.session-1": "{hash}", "plain": "{hash2}", "short": "abc"}}"#,
                hash2 = hex(&sha256("sb_plain"))
            ),
        )
        .unwrap();
        let set = TokenStore::new(path).token_set(None).unwrap();
        assert!(set.identify("sb_handmade").is_none());
        assert_eq!(set.identify("sb_plain").unwrap().name, "plain");
        assert_eq!(set.grants().count(), 1);
    }
}
