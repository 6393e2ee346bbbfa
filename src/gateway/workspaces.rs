//! Which workspace a request belongs to: the one of a stdio session, or, over HTTP, the one
//! named by the caller's identity (a token name), created on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
}

/// The workspaces of an HTTP gateway, by identity.
#[derive(Debug)]
pub struct Workspaces {
    gateway: Arc<Gateway>,
    by_name: Mutex<HashMap<String, Arc<Workspace>>>,
}

impl Workspaces {
    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    pub fn new(gateway: Arc<Gateway>) -> Arc<Workspaces> {
        Arc::new(Workspaces {
            gateway,
            by_name: Mutex::new(HashMap::new()),
        })
    }

    /// The workspace of `identity`, created with its saved config on first use.
    pub fn get(&self, identity: &Identity) -> Arc<Workspace> {
        // The map is only ever inserted into under this lock; a panic cannot leave it torn.
        let mut by_name = self.by_name.lock().unwrap_or_else(|e| e.into_inner());
        by_name
            .entry(identity.0.clone())
            .or_insert_with(|| Workspace::new(identity.0.clone(), self.gateway.clone()))
            .clone()
    }

    /// Live server connections across all workspaces.
    pub fn live(&self) -> usize {
        let by_name = self.by_name.lock().unwrap_or_else(|e| e.into_inner());
        by_name.values().map(|w| w.live()).sum()
    }

    /// Stops every workspace's idle servers; a workspace nobody used for `idle` ends up with
    /// no container at all.
    pub async fn stop_idle(&self, idle: std::time::Duration) -> usize {
        let all: Vec<Arc<Workspace>> = {
            let by_name = self.by_name.lock().unwrap_or_else(|e| e.into_inner());
            by_name.values().cloned().collect()
        };
        let mut stopped = 0;
        for workspace in all {
            stopped += workspace.stop_idle(idle).await;
        }
        stopped
    }

    /// Stops every server of every workspace; used at shutdown.
    pub async fn shutdown(&self) {
        let all: Vec<Arc<Workspace>> = {
            let by_name = self.by_name.lock().unwrap_or_else(|e| e.into_inner());
            by_name.values().cloned().collect()
        };
        futures::future::join_all(all.iter().map(|w| w.shutdown())).await;
    }
}

impl WorkspaceSource {
    /// The workspace for a request with these extensions; `None` if an HTTP request carries no
    /// identity (the auth layer always sets one, so this means a wiring bug).
    pub fn resolve(&self, extensions: &Extensions) -> Option<Arc<Workspace>> {
        match self {
            WorkspaceSource::Fixed(workspace) => Some(workspace.clone()),
            WorkspaceSource::PerIdentity(workspaces) => {
                let parts = extensions.get::<http::request::Parts>()?;
                let identity = parts.extensions.get::<Identity>()?;
                Some(workspaces.get(identity))
            }
        }
    }
}
