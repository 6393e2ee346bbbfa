//! Which workspace a request belongs to: the one of a stdio session, or, over HTTP, the one
//! named by the caller's identity (a token name), created on first use, or with
//! `--workspace-per-session` one per MCP session, closed with the session.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use rmcp::model::Extensions;

use crate::gateway::{Gateway, Workspace};

/// Who is asking: set on each HTTP request by the auth layer, after the token was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity(pub String);

/// Where a session finds its workspace.
#[derive(Debug, Clone)]
pub enum WorkspaceSource {
    /// Stdio: one client, one workspace.
    Fixed(Arc<Workspace>),
    /// HTTP: one workspace per identity.
    PerIdentity(Arc<Workspaces>),
    /// HTTP with `--workspace-per-session`: one workspace per MCP session. Stateless requests
    /// (protocol 2026-07-28) have no session and use their identity's workspace.
    PerSession(Arc<Workspaces>),
}

/// What lives exactly as long as one session: rmcp drops the session's handler when the
/// session ends, and with it this scope, which then closes the workspace the session opened for
/// itself (stopping its containers) and ends the session's background tasks.
#[derive(Debug)]
pub struct SessionScope {
    /// The session, as workspaces know it.
    session: u64,
    /// The session's own workspace once its first request opened it (`None` inside if its
    /// identity was retired by then).
    opened: OnceLock<Option<(Arc<Workspaces>, Arc<Workspace>)>>,
    /// The workspace its requests went to, which keeps what the session asked for (resource
    /// subscriptions, a log level) until it ends.
    joined: OnceLock<std::sync::Weak<Workspace>>,
    ended: tokio_util::sync::CancellationToken,
}

impl SessionScope {
    pub fn new(session: u64) -> SessionScope {
        SessionScope {
            session,
            opened: OnceLock::new(),
            joined: OnceLock::new(),
            ended: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Cancelled when the session ends.
    pub fn ended(&self) -> tokio_util::sync::CancellationToken {
        self.ended.clone()
    }

    fn join(&self, workspace: &Arc<Workspace>) {
        let _ = self.joined.set(Arc::downgrade(workspace));
    }
}

impl Drop for SessionScope {
    fn drop(&mut self) {
        self.ended.cancel();
        if let Some(workspace) = self.joined.get().and_then(std::sync::Weak::upgrade) {
            workspace.leave(self.session);
        }
        if let Some(Some((workspaces, workspace))) = self.opened.take() {
            workspaces.close(workspace);
        }
    }
}

/// The workspaces of an HTTP gateway, by identity.
#[derive(Debug)]
pub struct Workspaces {
    gateway: Arc<Gateway>,
    by_name: Mutex<HashMap<String, Arc<Workspace>>>,
    /// Identities whose token was revoked: a request that passed the token check just before
    /// the revocation must not open their workspace again.
    retired: Mutex<HashSet<String>>,
}

impl Workspaces {
    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    pub fn new(gateway: Arc<Gateway>) -> Arc<Workspaces> {
        Arc::new(Workspaces {
            gateway,
            by_name: Mutex::new(HashMap::new()),
            retired: Mutex::new(HashSet::new()),
        })
    }

    /// The workspace of `identity`, created with its saved config on first use; `None` once
    /// the identity was retired.
    pub fn get(&self, identity: &Identity) -> Option<Arc<Workspace>> {
        let mut by_name = self.lock();
        // Looked up by reference first: this runs for every request.
        if let Some(workspace) = by_name.get(&identity.0) {
            return Some(workspace.clone());
        }
        if self.is_retired(&identity.0) {
            return None;
        }
        let workspace = by_name
            .entry(identity.0.clone())
            .or_insert_with(|| Workspace::new(identity.0.clone(), self.gateway.clone()))
            .clone();
        Some(workspace)
    }

    /// The open workspace of `name` (its own, not its sessions'), without opening it.
    pub fn find(&self, name: &str) -> Option<Arc<Workspace>> {
        self.lock().get(name).cloned()
    }

    /// Every open workspace, sorted by id (for the web view of an admin).
    pub fn all(&self) -> Vec<Arc<Workspace>> {
        let mut all: Vec<Arc<Workspace>> = self.lock().values().cloned().collect();
        all.sort_by(|a, b| a.id().cmp(b.id()));
        all
    }

    /// The open workspaces whose owner is `owner`: its own and those of its sessions.
    pub fn of(&self, owner: &str) -> Vec<Arc<Workspace>> {
        self.lock()
            .values()
            .filter(|w| w.owner() == owner)
            .cloned()
            .collect()
    }

    fn is_retired(&self, name: &str) -> bool {
        self.retired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name)
    }

    /// Closes every workspace of `owner` (its own and its sessions'), stopping their servers,
    /// and keeps it from opening again until [`Self::admit_all`] lets it. Returns how many were open.
    pub async fn retire(&self, owner: &str) -> usize {
        self.retired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(owner.to_string());
        let closing: Vec<Arc<Workspace>> = {
            let mut by_name = self.lock();
            let names: Vec<String> = by_name
                .iter()
                .filter(|(_, w)| w.owner() == owner)
                .map(|(name, _)| name.clone())
                .collect();
            names.iter().filter_map(|n| by_name.remove(n)).collect()
        };
        futures::future::join_all(closing.iter().map(|w| w.shutdown())).await;
        closing.len()
    }

    /// Lets retired identities for which `has_token` holds (their token was created anew)
    /// open their workspaces again.
    pub fn admit_all(&self, has_token: impl Fn(&str) -> bool) {
        self.retired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|name| !has_token(name));
    }

    /// A new workspace for session `session` of `identity`, registered until [`Self::close`];
    /// `None` once the identity was retired.
    fn open_session(&self, identity: &Identity, session: u64) -> Option<Arc<Workspace>> {
        if self.is_retired(&identity.0) {
            return None;
        }
        // Identities never contain `.` (token names are `[A-Za-z0-9_-]`, enforced when tokens
        // are created and loaded), so this name cannot be another identity's workspace.
        let id = format!("{}.session-{session}", identity.0);
        let workspace = Workspace::for_session(id.clone(), &identity.0, self.gateway.clone());
        self.lock().insert(id, workspace.clone());
        Some(workspace)
    }

    /// Forgets a session's workspace and stops its servers in the background.
    fn close(&self, workspace: Arc<Workspace>) {
        self.lock().remove(workspace.id());
        // Without a runtime the gateway is exiting, and `shutdown` stops everything anyway.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            tracing::debug!(
                workspace = workspace.id(),
                "session ended; closing its workspace"
            );
            runtime.spawn(async move { workspace.shutdown().await });
        }
    }

    /// Workspaces currently open (for the workspaces gauge).
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Workspace>>> {
        // The map is only changed by single inserts and removals under this lock; a panic
        // elsewhere cannot leave it torn.
        self.by_name.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Live server connections across all workspaces.
    pub fn live(&self) -> usize {
        self.lock().values().map(|w| w.live()).sum()
    }

    /// Stops every workspace's idle servers; a workspace nobody used for `idle` ends up with
    /// no container at all.
    pub async fn stop_idle(&self, idle: std::time::Duration) -> usize {
        let all: Vec<Arc<Workspace>> = self.lock().values().cloned().collect();
        let mut stopped = 0;
        for workspace in all {
            stopped += workspace.stop_idle(idle).await;
        }
        stopped
    }

    /// Stops every server of every workspace; used at shutdown.
    pub async fn shutdown(&self) {
        let all: Vec<Arc<Workspace>> = self.lock().values().cloned().collect();
        futures::future::join_all(all.iter().map(|w| w.shutdown())).await;
    }
}

impl WorkspaceSource {
    /// The workspace for a request of session `session` with these extensions; `None` if an
    /// HTTP request carries no identity (the auth layer always sets one, so this means a
    /// wiring bug) or its identity was retired a moment ago.
    pub fn resolve(
        &self,
        extensions: &Extensions,
        scope: &SessionScope,
        session: u64,
    ) -> Option<Arc<Workspace>> {
        let workspace = self.pick(extensions, scope, session)?;
        scope.join(&workspace);
        Some(workspace)
    }

    fn pick(
        &self,
        extensions: &Extensions,
        scope: &SessionScope,
        session: u64,
    ) -> Option<Arc<Workspace>> {
        let workspaces = match self {
            WorkspaceSource::Fixed(workspace) => return Some(workspace.clone()),
            WorkspaceSource::PerIdentity(workspaces) | WorkspaceSource::PerSession(workspaces) => {
                workspaces
            }
        };
        let parts = extensions.get::<http::request::Parts>()?;
        let identity = parts.extensions.get::<Identity>()?;
        let in_session = parts.headers.contains_key(SESSION_HEADER);
        if !matches!(self, WorkspaceSource::PerSession(_)) || !in_session {
            return workspaces.get(identity);
        }
        let opened = scope.opened.get_or_init(|| {
            let workspace = workspaces.open_session(identity, session)?;
            Some((workspaces.clone(), workspace))
        });
        opened.as_ref().map(|(_, workspace)| workspace.clone())
    }
}

/// The MCP session header of streamable HTTP: present on every request of a session after
/// `initialize`, absent on stateless ones.
pub const SESSION_HEADER: &str = "mcp-session-id";

#[cfg(test)]
mod tests;
