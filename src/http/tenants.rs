//! Workspaces as tenants of a shared gateway: what a token change means for what runs. A
//! revoked token's sessions are closed and its workspaces' containers stopped; a replaced
//! token's old sessions are closed. Shared by the token watcher and the admin API.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::gateway::Workspaces;
use crate::http::sessions::TrackedSessions;
use crate::http::tokens::{LiveTokens, POLL};

/// Tokens, sessions and workspaces, kept consistent with each other.
#[derive(Debug)]
pub struct Tenants {
    pub(crate) tokens: Arc<LiveTokens>,
    pub(crate) sessions: Arc<TrackedSessions>,
    pub(crate) workspaces: Arc<Workspaces>,
    /// One token change is applied at a time, in order.
    applying: tokio::sync::Mutex<()>,
    /// Held while the admin API creates or deletes a workspace, so two requests for one
    /// name cannot interleave their writes.
    provisioning: tokio::sync::Mutex<()>,
}

impl Tenants {
    pub(crate) fn new(
        tokens: Arc<LiveTokens>,
        sessions: Arc<TrackedSessions>,
        workspaces: Arc<Workspaces>,
    ) -> Tenants {
        Tenants {
            tokens,
            sessions,
            workspaces,
            applying: tokio::sync::Mutex::new(()),
            provisioning: tokio::sync::Mutex::new(()),
        }
    }

    /// Serializes workspace creation and deletion.
    pub(crate) async fn provisioning(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.provisioning.lock().await
    }

    /// Re-reads the tokens if their file changed (or always, with `force`) and applies the
    /// change to sessions and workspaces before returning.
    pub(crate) async fn refresh(&self, force: bool) {
        let _one = self.applying.lock().await;
        let Some(changes) = self.tokens.reload(force) else {
            return;
        };
        let current = self.tokens.current();
        self.workspaces
            .admit_all(|name| current.has_workspace(name));
        for name in &changes.revoked {
            self.revoke(name).await;
        }
        for (name, token) in &changes.replaced {
            let closed = self.sessions.close_of(name, Some(*token)).await;
            if closed > 0 {
                tracing::info!(
                    workspace = name,
                    sessions = closed,
                    "token replaced; closed the sessions opened with the old one"
                );
            }
        }
    }

    /// Ends everything of the workspace `name`, whose token is gone.
    async fn revoke(&self, name: &str) {
        let sessions = self.sessions.close_of(name, None).await;
        let workspaces = self.workspaces.retire(name).await;
        tracing::info!(
            workspace = name,
            sessions,
            workspaces,
            "token revoked; closed its sessions and stopped its servers"
        );
    }

    /// Follows the token file until `shutdown`, checking it every [`POLL`].
    pub fn watch(self: Arc<Self>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => self.refresh(false).await,
                    () = shutdown.cancelled() => return,
                }
            }
        })
    }
}
