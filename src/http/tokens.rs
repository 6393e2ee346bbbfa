//! The tokens a running gateway accepts, kept in step with `tokens.json`: `switchboard token
//! create|rm` (or the admin API) take effect within [`POLL`], without a restart.
//!
//! A poll of the file's stamp (modified time, size, inode) rather than a file watcher: one
//! `stat` every half second, whatever the request rate, works on every filesystem a state
//! directory may live on (bind mounts, Docker volumes, NFS, where inotify events may never
//! arrive), and needs no extra thread or dependency. Requests never touch the disk: they read
//! the current set behind an `RwLock`.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::store::{Stamp, TokenKind, TokenSet, TokenStore};

/// How often the token file is checked for changes.
pub(crate) const POLL: Duration = Duration::from_millis(500);

/// The current tokens and where they come from.
#[derive(Debug)]
pub struct LiveTokens {
    store: TokenStore,
    /// `SWITCHBOARD_TOKEN`, read once at start-up.
    env_token: Option<String>,
    current: RwLock<Arc<TokenSet>>,
    /// The file's stamp when `current` was read from it.
    seen: Mutex<Option<Stamp>>,
}

/// What a reload changed, for the workspace tokens: what must stop working.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct TokenChanges {
    /// Workspaces no token opens any more.
    pub(crate) revoked: Vec<String>,
    /// Workspaces whose token was replaced: sessions opened with the old one must go.
    pub(crate) replaced: Vec<(String, [u8; 32])>,
}

impl LiveTokens {
    pub fn load(
        store: TokenStore,
        env_token: Option<String>,
    ) -> Result<LiveTokens, crate::store::Error> {
        let seen = store.stamp();
        let current = store.token_set(env_token.as_deref())?;
        Ok(LiveTokens {
            store,
            env_token,
            current: RwLock::new(Arc::new(current)),
            seen: Mutex::new(seen),
        })
    }

    /// The tokens accepted right now.
    pub fn current(&self) -> Arc<TokenSet> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    /// Re-reads the token file if it changed since it was last read (or always, with
    /// `force`), and says what stopped working; `None` if nothing was re-read. A file that
    /// cannot be read or parsed keeps the tokens as they were: a half-edited file must not
    /// lock everyone out.
    pub(crate) fn reload(&self, force: bool) -> Option<TokenChanges> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = self.store.stamp();
        if !force && stamp == *seen {
            return None;
        }
        let next = match self.store.token_set(self.env_token.as_deref()) {
            Ok(next) => next,
            Err(error) => {
                tracing::warn!(error = %error, "cannot re-read the tokens; keeping the ones loaded");
                return None;
            }
        };
        *seen = stamp;
        let next = Arc::new(next);
        let previous = std::mem::replace(
            &mut *self.current.write().unwrap_or_else(|e| e.into_inner()),
            next.clone(),
        );
        let changes = diff(&previous, &next);
        tracing::info!(
            tokens = next.grants().count(),
            revoked = changes.revoked.len(),
            replaced = changes.replaced.len(),
            "tokens reloaded"
        );
        Some(changes)
    }
}

/// Workspace tokens of `before` that `after` no longer has, or has with another value.
fn diff(before: &TokenSet, after: &TokenSet) -> TokenChanges {
    let mut changes = TokenChanges::default();
    for old in before.grants().filter(|g| g.kind == TokenKind::Workspace) {
        let now = after
            .grants()
            .find(|g| g.kind == TokenKind::Workspace && g.name == old.name);
        match now {
            None => changes.revoked.push(old.name.clone()),
            Some(now) if now.hash != old.hash => {
                changes.replaced.push((old.name.clone(), now.hash));
            }
            Some(_) => {}
        }
    }
    changes.revoked.sort();
    changes.replaced.sort();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_sees_created_removed_and_replaced_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let home = crate::store::Home::resolve(Some(dir.path().display().to_string()), None);
        let store = home.tokens();
        let alice = store.create("alice", TokenKind::Workspace).unwrap();
        store.create("bob", TokenKind::Workspace).unwrap();
        store.create("ops", TokenKind::Admin).unwrap();
        let live = LiveTokens::load(store.clone(), Some("from-env".into())).unwrap();
        assert!(live.reload(false).is_none(), "nothing changed yet");
        let carol = store.create("carol", TokenKind::Workspace).unwrap();
        store.remove("alice").unwrap();
        store.remove("ops").unwrap();
        let bob = store.create("bob", TokenKind::Workspace).unwrap();
        let changes = live.reload(false).expect("the file changed");
        assert_eq!(changes.revoked, vec!["alice".to_string()]);
        assert_eq!(changes.replaced.len(), 1);
        assert_eq!(changes.replaced[0].0, "bob");
        let now = live.current();
        assert!(now.identify(&alice).is_none());
        assert_eq!(now.identify(&carol).unwrap().name, "carol");
        assert_eq!(now.identify(&bob).unwrap().name, "bob");
        assert_eq!(now.identify("from-env").unwrap().name, "env");
        // A broken file keeps what was loaded.
        std::fs::write(dir.path().join("tokens.json"), "{not json").unwrap();
        assert!(live.reload(false).is_none());
        assert_eq!(live.current().identify(&carol).unwrap().name, "carol");
    }
}
