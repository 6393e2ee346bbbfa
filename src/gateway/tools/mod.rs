//! The meta-tools a client sees before it adds anything. One file per tool, each owning its
//! input type, description and handler; [`MetaTool`] dispatches.

mod add;
mod config_set;
mod exec;
mod find;
mod remove;

use std::sync::Arc;

use rmcp::model::{CallToolResult, JsonObject, Tool};
use rmcp::service::{Peer, RoleServer};
use serde::de::DeserializeOwned;

use crate::gateway::reply;
use crate::gateway::{Gateway, Workspace};

/// The meta-tool names; added tools never take these.
pub(crate) const NAMES: [&str; 5] = [
    find::NAME,
    add::NAME,
    remove::NAME,
    config_set::NAME,
    exec::NAME,
];

/// One of the gateway's own tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetaTool {
    Find,
    Add,
    Remove,
    ConfigSet,
    Exec,
}

/// What a meta-tool may touch while it runs.
pub(crate) struct Context<'a> {
    pub workspace: &'a Arc<Workspace>,
    /// The asking session, so that change broadcasts can skip it (it is told directly).
    pub session: u64,
    pub peer: &'a Peer<RoleServer>,
    /// The asking client, for the requests a meta-tool forwards (`mcp-exec`).
    pub caller: &'a Arc<crate::gateway::caller::SessionCaller>,
    /// The request's progress token: `mcp-add` reports the server's start under it.
    pub progress: Option<rmcp::model::ProgressToken>,
}

impl MetaTool {
    pub(crate) fn parse(name: &str) -> Option<MetaTool> {
        match name {
            find::NAME => Some(MetaTool::Find),
            add::NAME => Some(MetaTool::Add),
            remove::NAME => Some(MetaTool::Remove),
            config_set::NAME => Some(MetaTool::ConfigSet),
            exec::NAME => Some(MetaTool::Exec),
            _ => None,
        }
    }

    /// The `tools/list` entries of all meta-tools, in a fixed order.
    pub(crate) fn definitions(gateway: &Gateway) -> Vec<Tool> {
        vec![
            find::definition(gateway),
            add::definition(),
            remove::definition(),
            config_set::definition(),
            exec::definition(),
        ]
    }

    pub(crate) async fn call(
        self,
        cx: &Context<'_>,
        arguments: Option<JsonObject>,
    ) -> CallToolResult {
        let arguments = arguments.unwrap_or_default();
        match self {
            MetaTool::Find => find::run(cx, arguments),
            MetaTool::Add => add::run(cx, arguments).await,
            MetaTool::Remove => remove::run(cx, arguments).await,
            MetaTool::ConfigSet => config_set::run(cx, arguments).await,
            MetaTool::Exec => exec::run(cx, arguments).await,
        }
    }
}

/// Deserializes a meta-tool's arguments, or explains what is wrong with them.
fn parse<T: DeserializeOwned>(
    tool: &str,
    arguments: JsonObject,
    schema: &Arc<JsonObject>,
) -> Result<T, CallToolResult> {
    serde_json::from_value(serde_json::Value::Object(arguments)).map_err(|error| {
        reply::bad_arguments(tool, error, &serde_json::Value::Object((**schema).clone()))
    })
}

/// Tells the asking session at once of the lists that changed (the workspace's other sessions
/// hear of it through the broadcast).
async fn lists_changed(cx: &Context<'_>, kinds: crate::gateway::routing::Kinds) {
    crate::gateway::handler::notify_lists(cx.peer, kinds).await;
}

pub(crate) use exec::call_failure;

/// What `mcp-add` answers when adding `server` failed, so the web view shows the model's words.
pub(crate) fn add_refusal(
    server: &str,
    error: crate::gateway::workspace::AddError,
) -> CallToolResult {
    add::failure(server, error)
}
