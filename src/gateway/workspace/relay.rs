//! What an added server sends back that concerns the whole workspace: a changed list (the
//! server is asked again and its routes replaced), updates of resources sessions subscribed
//! to, and log lines (passed to every session, which keeps what its level lets through). A
//! standby instance is adopted here when a workspace takes it.
#![allow(
    deprecated,
    reason = "sampling, roots and logging are deprecated by SEP-2577 but 2025-era servers and clients use them"
)]

use std::sync::{Arc, Mutex, PoisonError, Weak};

use rmcp::model::LoggingMessageNotificationParam;
use tokio::sync::mpsc;

use crate::catalog::ServerName;
use crate::gateway::logging;
use crate::gateway::routing::Kinds;
use crate::gateway::workspace::{Change, State, Workspace};
use crate::upstream::{Listed, Offer, Relay, Upstream};

/// The [`Relay`] of one added server.
pub(super) struct ServerRelay {
    workspace: Weak<Workspace>,
    server: ServerName,
    /// The lists the server said changed since the last re-list; they are announced even if
    /// the server's new answer looks the same (it may have changed what a tool does, not how
    /// it is listed, and a gateway passes the word on).
    named: Arc<Mutex<Kinds>>,
    /// Wakes the task that re-lists the server; full means a re-list is pending already,
    /// which will see this change too.
    changed: mpsc::Sender<()>,
}

/// Notices that the server's lists changed, for [`follow`].
pub(super) struct Changes {
    named: Arc<Mutex<Kinds>>,
    wake: mpsc::Receiver<()>,
}

impl Changes {
    /// Waits for the next change; says which lists the server named since the last one.
    async fn next(&mut self) -> Option<Kinds> {
        self.wake.recv().await?;
        let mut named = self.named.lock().unwrap_or_else(PoisonError::into_inner);
        Some(std::mem::take(&mut *named))
    }
}

impl ServerRelay {
    pub(super) fn open(
        workspace: Weak<Workspace>,
        server: ServerName,
    ) -> (Arc<dyn Relay>, Changes) {
        let (sender, receiver) = mpsc::channel(1);
        let named = Arc::new(Mutex::new(Kinds::default()));
        let relay = ServerRelay {
            workspace,
            server,
            named: named.clone(),
            changed: sender,
        };
        let changes = Changes {
            named,
            wake: receiver,
        };
        (Arc::new(relay), changes)
    }
}

impl Relay for ServerRelay {
    fn changed(&self, list: Listed) {
        self.named
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(list);
        let _ = self.changed.try_send(());
    }

    fn resource_updated(&self, uri: String) {
        if let Some(workspace) = self.workspace.upgrade() {
            workspace.resource_updated(&self.server, &uri);
        }
    }

    fn log(&self, message: LoggingMessageNotificationParam) {
        if let Some(workspace) = self.workspace.upgrade() {
            let message = logging::from_server(self.server.as_str(), message);
            workspace.announce(Change::Log(message));
        }
    }
}

/// Re-lists `upstream` each time it says what it offers changed, for as long as it is
/// connected (the relay, and with it the sender, lives as long as the connection); the task
/// holds neither the workspace nor the upstream alive.
pub(super) fn follow(
    workspace: Weak<Workspace>,
    server: ServerName,
    upstream: &Arc<Upstream>,
    mut changes: Changes,
) {
    let weak_upstream = Arc::downgrade(upstream);
    tokio::spawn(async move {
        while let Some(named) = changes.next().await {
            let (Some(workspace), Some(upstream)) = (workspace.upgrade(), weak_upstream.upgrade())
            else {
                return;
            };
            workspace.refresh_offer(&server, &upstream, named).await;
        }
    });
}

/// Points a standby instance's relay at this workspace and follows its changes like those of
/// a server it started; a change the instance announced while it waited is re-listed now.
pub(super) fn adopt(
    workspace: Weak<Workspace>,
    server: &ServerName,
    upstream: &Arc<Upstream>,
    standby: &crate::gateway::standby::Rebind,
) {
    let (relay, changes) = ServerRelay::open(workspace.clone(), server.clone());
    follow(workspace, server.clone(), upstream, changes);
    for missed in standby.bind(relay.clone()) {
        relay.changed(missed);
    }
}

impl Workspace {
    /// Takes in a server's new offer: its routes are replaced and every session told of the
    /// kinds that changed and those the server `named`, unless `upstream` is no longer the
    /// server's connection.
    ///
    /// It takes no `ops` lock (a slow server must not hold up add and remove): a connection
    /// replaced meanwhile fails the identity check below.
    async fn refresh_offer(&self, server: &ServerName, upstream: &Arc<Upstream>, named: Kinds) {
        let limit = self.gateway.settings.start_timeout;
        let offer = match tokio::time::timeout(limit, upstream.list_offer()).await {
            Ok(Ok(offer)) => offer,
            Ok(Err(error)) => {
                tracing::warn!(server = %server, error = %error, "cannot re-list a server after it said its lists changed");
                return;
            }
            Err(_) => {
                tracing::warn!(server = %server, "re-listing a server after a change timed out");
                return;
            }
        };
        let kinds = {
            let mut state = self.write();
            let current = state.servers.get(server).and_then(|a| a.upstream.as_ref());
            if !current.is_some_and(|u| Arc::ptr_eq(u, upstream)) {
                return;
            }
            reoffer(&mut state, server, offer)
        };
        if kinds.any() {
            tracing::info!(server = %server, workspace = %self.id, ?kinds, "server changed what it offers");
        }
        let kinds = kinds.or(named);
        // No session caused it, so every session is told.
        self.announce_lists(kinds, 0);
    }

    /// A subscribed resource of `server` changed: sessions hear of it under its exposed URI.
    fn resource_updated(&self, server: &ServerName, uri: &str) {
        let exposed = self.read().routes.exposed_uri(server, uri);
        if let Some(uri) = exposed {
            self.announce(Change::Updated { uri });
        }
    }
}

/// Replaces `server`'s routes with those of `offer` if it differs from what the server offered
/// before; says which kinds changed.
pub(super) fn reoffer(state: &mut State, server: &ServerName, offer: Offer) -> Kinds {
    let Some(added) = state.servers.get_mut(server) else {
        return Kinds::default();
    };
    let kinds = Kinds::between(&added.offer, &offer);
    if !kinds.any() {
        return kinds;
    }
    added.offer = offer.clone();
    state.routes.unregister(server);
    state.routes.register(server, &offer);
    kinds
}
