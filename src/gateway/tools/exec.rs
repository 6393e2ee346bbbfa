//! `mcp-exec`: call an added tool by name, for clients that do not refresh their tool list.

use rmcp::model::{CallToolResponse, CallToolResult, JsonObject, Tool};
use serde::Deserialize;
use serde_json::json;

use crate::gateway::inputs::{self, Failure};
use crate::gateway::reply;
use crate::gateway::tools::{Context, parse};
use crate::gateway::workspace::CallError;

pub(super) const NAME: &str = "mcp-exec";

/// Arguments of `mcp-exec`.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    /// The tool's name as mcp-add returned it.
    name: String,
    /// The tool's arguments, matching its input schema.
    #[serde(default)]
    arguments: Option<JsonObject>,
}

pub(super) fn definition() -> Tool {
    Tool::new(
        NAME,
        "Call a tool of an added server by its name, with its arguments. Use this when a tool \
         that mcp-add reported does not appear in your tool list. Returns exactly what the tool \
         returned.",
        rmcp::handler::server::common::schema_for_type::<Input>(),
    )
}

pub(super) async fn run(cx: &Context<'_>, arguments: JsonObject) -> CallToolResult {
    let schema = rmcp::handler::server::common::schema_for_type::<Input>();
    let input: Input = match parse(NAME, arguments, &schema) {
        Ok(input) => input,
        Err(result) => return result,
    };
    let mut params = rmcp::model::CallToolRequestParams::new(input.name.clone());
    params.arguments = input.arguments;
    let forwarded = inputs::drive(cx.caller, params, |params| {
        cx.workspace.call_tool(params, Some(cx.caller.clone()))
    })
    .await;
    match forwarded {
        Ok(CallToolResponse::Complete(result)) => result,
        Ok(_) => reply::failure(
            format!(
                "`{}` asked for more input or started a task, which mcp-exec cannot relay; call the tool directly.",
                input.name
            ),
            json!({}),
        ),
        Err(Failure::Call(error)) => call_failure(&error),
        Err(Failure::Input(error)) => reply::failure(
            format!(
                "`{}` needed input the client could not give: {}",
                input.name, error.message
            ),
            json!({}),
        ),
    }
}

/// The tool result for a call that did not reach its server or died there.
pub(crate) fn call_failure(error: &CallError) -> CallToolResult {
    tracing::debug!(error = %reply::chain(error), "tool call failed");
    match error {
        CallError::UnknownTool { available, .. } => reply::failure(
            format!(
                "{error}. Add the server that provides it with mcp-add (find it with mcp-find), or use one of `available`."
            ),
            json!({ "available": available }),
        ),
        CallError::Upstream(crate::upstream::Error::Closed { .. }) => reply::failure(
            format!(
                "{}. It will be started again on the next call; retry if the call is safe to repeat.",
                reply::chain(error)
            ),
            json!({}),
        ),
        _ => reply::failure(
            format!(
                "{}. Try again, or mcp-remove and mcp-add the server.",
                reply::chain(error)
            ),
            json!({}),
        ),
    }
}
