//! `mcp-remove`: stop an added server and withdraw its tools.

use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde::Deserialize;
use serde_json::json;

use crate::gateway::reply;
use crate::gateway::tools::{Context, lists_changed, parse};

pub(super) const NAME: &str = "mcp-remove";

/// Arguments of `mcp-remove`.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    /// The name of a server added with mcp-add.
    name: String,
}

pub(super) fn definition() -> Tool {
    Tool::new(
        NAME,
        "Stop a server added with mcp-add and remove its tools from this session, when you no \
         longer need it. Its container (or remote session) is closed (a gateway started with \
         `--keep-warm` keeps it running briefly, unlisted, so adding it again is instant), and its \
         prompts and resources go with its tools. Returns the tools that were withdrawn.",
        rmcp::handler::server::common::schema_for_type::<Input>(),
    )
}

pub(super) async fn run(cx: &Context<'_>, arguments: JsonObject) -> CallToolResult {
    let schema = rmcp::handler::server::common::schema_for_type::<Input>();
    let input: Input = match parse(NAME, arguments, &schema) {
        Ok(input) => input,
        Err(result) => return result,
    };
    match cx.workspace.remove(&input.name, cx.session).await {
        Some((tools, kinds)) => {
            lists_changed(cx, kinds).await;
            reply::success(json!({
                "server": input.name,
                "status": "removed",
                "removed_tools": tools.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            }))
        }
        None => reply::failure(
            format!(
                "`{}` is not added in this session, so there is nothing to remove.",
                input.name
            ),
            json!({ "added": cx.workspace.added() }),
        ),
    }
}
