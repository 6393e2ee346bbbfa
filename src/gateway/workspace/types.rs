//! The workspace's outcome and error types, and the changes its sessions hear of.
#![allow(
    deprecated,
    reason = "sampling, roots and logging are deprecated by SEP-2577 but 2025-era servers and clients use them"
)]

use rmcp::model::{LoggingMessageNotificationParam, Tool};

use crate::catalog::ServerName;
use crate::gateway::launch::LaunchError;
use crate::gateway::naming::ExposedToolName;
use crate::gateway::routing::Kinds;
use crate::upstream;

/// What sessions of a workspace may need to hear.
#[derive(Debug, Clone)]
pub enum Change {
    /// Lists changed; `origin` is the session that caused it (it was told directly), 0 if
    /// none did.
    Lists { kinds: Kinds, origin: u64 },
    /// A resource changed, by the URI clients know it by.
    Updated { uri: String },
    /// A log line of an added server, its logger named after the server.
    Log(LoggingMessageNotificationParam),
}

/// One added server as an operator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerStatus {
    pub name: String,
    /// Its container or remote connection is up (idle servers are stopped until called).
    pub running: bool,
    /// The container's id, for a server that runs in one.
    pub container: Option<String>,
    pub tools: Vec<String>,
    pub prompts: usize,
    pub resources: usize,
}

/// A server the workspace was to start with that could not be added.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreloadFailure {
    pub server: String,
    pub reason: String,
}

/// A tool registered by `mcp-add`.
#[derive(Debug, Clone)]
pub struct AddedTool {
    pub exposed: ExposedToolName,
    /// The name the server itself uses; differs from `exposed` after a collision.
    pub original: String,
    pub tool: Tool,
}

/// The result of `mcp-add`.
#[derive(Debug)]
pub struct AddOutcome {
    pub tools: Vec<AddedTool>,
    /// How many prompts, resources and resource templates came with the server.
    pub prompts: usize,
    pub resources: usize,
    pub templates: usize,
    /// False when the server was already added and nothing changed.
    pub newly_added: bool,
    /// Where its instance came from.
    pub source: AddSource,
}

/// Where an added server's instance came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddSource {
    /// Started for this add (or already running: see `newly_added`).
    Started,
    /// Taken from the gateway's standby pool (`run --standby`).
    Standby,
    /// Kept warm since this workspace removed it (`run --keep-warm`).
    KeptWarm,
}

/// Why `mcp-add` failed; nothing was registered and no container is left.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("there is no server named `{name}` in the catalog")]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("this workspace was closed (its session ended or its token was revoked)")]
    Closed,
    #[error(transparent)]
    Upstream(#[from] upstream::Error),
}

/// Why a forwarded request failed before or while reaching the server.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no added tool is named `{name}`")]
    UnknownTool {
        name: String,
        available: Vec<String>,
    },
    #[error("no added server offers a prompt named `{name}`")]
    UnknownPrompt { name: String },
    #[error("no added server offers the resource `{uri}`")]
    UnknownResource { uri: String },
    #[error("`{server}` was removed while the request was being routed")]
    Removed { server: ServerName },
    #[error("restarting `{server}` failed")]
    Restart {
        server: ServerName,
        #[source]
        source: AddError,
    },
    #[error(transparent)]
    Upstream(#[from] upstream::Error),
}

/// How [`super::Workspace::update_config`] combines new values with the current ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigChange {
    /// Keys given replace those keys; others stay (`mcp-config-set`).
    Merge,
    /// The given object is the whole config (`PUT /admin/v1/.../config/SERVER`).
    Replace,
}

/// Why a config change was not made; nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Invalid(crate::catalog::SettingsError),
    #[error("the config is valid but could not be saved")]
    Save(#[source] crate::store::Error),
}
