//! `mcp-add`: start a catalog server and expose its tools in this session, with progress while
//! it starts (`add/progress.rs`).

mod progress;

use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::gateway::elicit;
use crate::gateway::launch::{self, LaunchError};
use crate::gateway::reply;
use crate::gateway::routing::Kinds;
use crate::gateway::tools::{Context, lists_changed, parse};
use crate::gateway::workspace::{AddError, AddOutcome, AddedTool, ConfigChange, ConfigError};

pub(super) const NAME: &str = "mcp-add";

/// Arguments of `mcp-add`.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    /// The server's `name` as returned by mcp-find, e.g. "github-official".
    name: String,
}

pub(super) fn definition() -> Tool {
    Tool::new(
        NAME,
        "Start an MCP server from the catalog (by the `name` mcp-find returned) and add its tools \
         to this session. Returns the new tools with their input schemas once the server answers; \
         they also appear in tools/list. Call them directly, or through mcp-exec if your client \
         does not refresh its tool list. Adding a server twice is harmless. If it fails, the error \
         says what to set first (secrets, or config via mcp-config-set).",
        rmcp::handler::server::common::schema_for_type::<Input>(),
    )
}

pub(super) async fn run(cx: &Context<'_>, arguments: JsonObject) -> CallToolResult {
    let schema = rmcp::handler::server::common::schema_for_type::<Input>();
    let input: Input = match parse(NAME, arguments, &schema) {
        Ok(input) => input,
        Err(result) => return result,
    };
    if let Err(result) = ask_for_missing_config(cx, &input.name).await {
        return result;
    }
    let reporter = progress::Reporter::new(&input.name, cx.peer, cx.progress.clone());
    let added = cx
        .workspace
        .add_with(&input.name, cx.session, &reporter)
        .await;
    // Every progress notification goes out before the result.
    let (steps, total) = reporter.finish().await;
    match added {
        Ok(outcome) if outcome.newly_added => {
            let kinds = Kinds {
                tools: !outcome.tools.is_empty(),
                prompts: outcome.prompts > 0,
                resources: outcome.resources + outcome.templates > 0,
            };
            lists_changed(cx, kinds).await;
            let renamed: Vec<Value> = outcome
                .tools
                .iter()
                .filter(|t| t.exposed.as_str() != t.original)
                .map(|t| json!({ "tool": t.original, "exposed_as": t.exposed.as_str() }))
                .collect();
            let mut message = format!(
                "Added `{}` with {} tools. Call them by the names below (or through mcp-exec).",
                input.name,
                outcome.tools.len()
            );
            if !renamed.is_empty() {
                message.push_str(" Some tool names were already taken by another server, so they are exposed as `<server>__<tool>`: see `renamed`.");
            }
            message.push_str(&extras(&outcome));
            let (timings, took) = reply::start_timings(&steps, total);
            message.push_str(&took.unwrap_or_default());
            let egress = unenforced_egress_of(cx, &input.name);
            if let Some(notice) = &egress {
                message.push_str(&format!(" Note: {notice}."));
            }
            let mut body = json!({
                "server": input.name,
                "status": "added",
                "message": message,
                "tools": tool_list(&outcome.tools),
                "renamed": renamed,
                "prompts": outcome.prompts,
                "resources": outcome.resources,
                "resource_templates": outcome.templates,
                "timings_ms": timings,
            });
            reply::instance_source(&mut body, outcome.source);
            if let Some(notice) = egress {
                body["warnings"] = json!([notice]);
            }
            reply::success(body)
        }
        Ok(outcome) => reply::success(json!({
            "server": input.name,
            "status": "already_added",
            "message": format!("`{}` was already added; nothing changed. Its tools are below.{}", input.name, extras(&outcome)),
            "tools": tool_list(&outcome.tools),
            "renamed": [],
            "prompts": outcome.prompts,
            "resources": outcome.resources,
            "resource_templates": outcome.templates,
        })),
        Err(error) => failure(&input.name, error),
    }
}

/// What the user must hear about the server's egress (unenforced `allowHosts`), if anything.
fn unenforced_egress_of(cx: &Context<'_>, name: &str) -> Option<String> {
    let gateway = cx.workspace.gateway();
    let entry = gateway.catalog.catalog().get(name)?;
    launch::unenforced_egress(entry)
}

/// When the server lacks config (and nothing else) and the client can show forms, asks the
/// user for it and saves the answer; the add then goes ahead. An `Err` is the tool result to
/// return instead. Without elicitation nothing happens here and the add reports what is missing.
async fn ask_for_missing_config(cx: &Context<'_>, name: &str) -> Result<(), CallToolResult> {
    let gateway = cx.workspace.gateway();
    let Some(entry) = gateway.catalog.catalog().get(name) else {
        return Ok(());
    };
    let current = cx.workspace.config(name);
    let missing = launch::missing_config(entry, &current);
    let ready_otherwise = launch::missing_secrets(entry, &cx.workspace.secret_scope()).is_empty();
    if missing.is_empty() || !ready_otherwise || cx.workspace.is_added(name) {
        return Ok(());
    }
    match elicit::ask(cx.peer, entry, &missing).await {
        elicit::Answer::Unsupported => Ok(()),
        elicit::Answer::Refused => Err(reply::failure(
            format!(
                "the user did not provide the config `{name}` needs ({}); nothing was started. Ask the user for the values and call mcp-config-set.",
                missing.join(", ")
            ),
            json!({ "missing_config": missing }),
        )),
        elicit::Answer::Given(values) => match cx
            .workspace
            .update_config(entry, values, ConfigChange::Merge)
            .await
        {
            Ok(_) => Ok(()),
            Err(ConfigError::Invalid(error)) => Err(reply::failure(
                format!(
                    "the values the user gave are invalid: {error}. Nothing was started; call mcp-config-set with corrected values."
                ),
                json!({ "config_schema": entry.config_schema() }),
            )),
            Err(error) => Err(reply::failure(reply::chain(&error), json!({}))),
        },
    }
}

/// What the server brings besides tools, in a sentence (empty when nothing).
fn extras(outcome: &AddOutcome) -> String {
    let mut parts = Vec::new();
    if outcome.prompts > 0 {
        parts.push(format!("{} prompts (prompts/list)", outcome.prompts));
    }
    if outcome.resources + outcome.templates > 0 {
        parts.push(format!(
            "{} resources and {} resource templates (resources/list, resources/templates/list)",
            outcome.resources, outcome.templates
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" It also brings {}.", parts.join(" and "))
    }
}

fn tool_list(tools: &[AddedTool]) -> Vec<Value> {
    tools
        .iter()
        .map(|t| {
            json!({
                "name": t.exposed.as_str(),
                "description": t.tool.description,
                "input_schema": t.tool.input_schema,
            })
        })
        .collect()
}

/// What the model reads when adding `server` failed.
pub(super) fn failure(server: &str, error: AddError) -> CallToolResult {
    tracing::debug!(server, error = %reply::chain(&error), "mcp-add failed");
    match &error {
        AddError::Unknown { suggestions, .. } => reply::failure(
            format!(
                "{error}. Use mcp-find to search the catalog, then call mcp-add with a `name` from its results."
            ),
            json!({ "did_you_mean": suggestions }),
        ),
        AddError::Launch(LaunchError::MissingSecrets {
            missing, commands, ..
        }) => reply::failure(
            error.to_string(),
            json!({ "missing_secrets": missing.iter().zip(commands).map(|(s, command)| json!({"name": s.name, "env": s.env, "command": command})).collect::<Vec<_>>() }),
        ),
        AddError::Launch(LaunchError::MissingConfig { missing, .. }) => {
            reply::failure(error.to_string(), json!({ "missing_config": missing }))
        }
        AddError::Launch(LaunchError::Unrunnable { .. } | LaunchError::UnsupportedKind { .. }) => {
            reply::failure(
                format!(
                    "{error}. Nothing was started; pick a server of type `server` or `remote` with mcp-find."
                ),
                json!({}),
            )
        }
        // The runtime is Docker and its daemon does not answer: say so, and what to do.
        AddError::Upstream(crate::upstream::Error::Runtime {
            source: crate::runtime::Error::DaemonUnreachable { .. },
            ..
        }) => reply::failure(
            format!(
                "cannot add `{server}`: {}. Start Docker (or fix DOCKER_HOST) and call mcp-add again.",
                reply::chain(&error)
            ),
            json!({}),
        ),
        AddError::Closed => reply::failure(
            format!("cannot add `{server}`: {error}. Reconnect to start a new session."),
            json!({}),
        ),
        AddError::Launch(_) | AddError::Upstream(_) => reply::failure(
            format!(
                "cannot add `{server}`: {}. Nothing was added and nothing is left running; fix the cause or pick another server with mcp-find.",
                reply::chain(&error)
            ),
            json!({}),
        ),
    }
}
