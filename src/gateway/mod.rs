//! The MCP server that clients see: sessions, workspaces, meta-tools and tool routing.
//!
//! This is the only folder that knows client sessions. It imports neither bollard nor axum:
//! containers are reached through `upstream/` and `runtime/`. Entry: [`Session`] in
//! `handler.rs`; the meta-tools are one file each in `tools/`; protocol notes in `README.md`.

mod caller;
mod context;
mod elicit;
mod handler;
mod hold;
mod inputs;
mod launch;
mod logging;
mod mounts;
mod naming;
mod reply;
mod routing;
mod standby;
mod tools;
mod workspace;
mod workspaces;

pub use context::{Gateway, Settings};
pub use handler::Session;
pub use launch::{cannot_run, unmet_needs, uses_secret};
pub(crate) use launch::{missing_config, missing_secrets, unenforced_egress};
pub use naming::ExposedToolName;
pub use reply::chain as error_chain;
pub use routing::Kinds;
pub use standby::{Standby, StandbyRefused, StandbyWant, check as check_standby};
pub(crate) use tools::add_refusal;
pub use workspace::{Change, ConfigChange, ConfigError, PreloadFailure, ServerStatus, Workspace};
pub use workspaces::{Identity, SESSION_HEADER, WorkspaceSource, Workspaces};
