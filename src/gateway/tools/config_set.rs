//! `mcp-config-set`: give a server its settings, validated against the catalog's JSON Schema.

use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::SettingsError;
use crate::gateway::reply;
use crate::gateway::tools::{Context, lists_changed, parse};
use crate::gateway::workspace::{ConfigChange, ConfigError};

pub(super) const NAME: &str = "mcp-config-set";

/// Arguments of `mcp-config-set`.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    /// The server's catalog name.
    server: String,
    /// Settings to merge into the server's config, as described by `config_schema` in mcp-find.
    config: JsonObject,
}

pub(super) fn definition() -> Tool {
    Tool::new(
        NAME,
        "Set a server's config values (not secrets), when mcp-find or mcp-add reports \
         `missing_config` or the user wants a setting changed. The values are merged into what \
         is already set, checked against the server's `config_schema` and saved; an added \
         server is restarted with them. On failure every violation is listed with the schema so \
         you can fix them all at once. Secrets are refused here: the error says how the user \
         sets them.",
        rmcp::handler::server::common::schema_for_type::<Input>(),
    )
}

pub(super) async fn run(cx: &Context<'_>, arguments: JsonObject) -> CallToolResult {
    let schema = rmcp::handler::server::common::schema_for_type::<Input>();
    let input: Input = match parse(NAME, arguments, &schema) {
        Ok(input) => input,
        Err(result) => return result,
    };
    let Some(entry) = cx.workspace.gateway().catalog.catalog().get(&input.server) else {
        return reply::failure(
            format!(
                "there is no server named `{}` in the catalog; use mcp-find to get its exact name.",
                input.server
            ),
            json!({}),
        );
    };
    let config = match cx
        .workspace
        .update_config(entry, input.config, ConfigChange::Merge)
        .await
    {
        Ok(config) => config,
        Err(ConfigError::Invalid(error)) => return refusal(entry.config_schema(), error),
        Err(error @ ConfigError::Save(_)) => {
            tracing::warn!(error = %reply::chain(&error), "saving config failed");
            return reply::failure(reply::chain(&error), json!({}));
        }
    };
    // An added server runs with its old config: restart it so the change takes effect.
    let note = match cx.workspace.reconfigure(&input.server, cx.session).await {
        Ok(None) => "Saved. Call mcp-add to start the server with it.".to_string(),
        Ok(Some(kinds)) if !kinds.any() => format!(
            "Saved, and `{}` was restarted with it; what it offers did not change.",
            input.server
        ),
        Ok(Some(kinds)) => {
            lists_changed(cx, kinds).await;
            format!(
                "Saved, and `{}` was restarted with it; what it offers changed, see tools/list.",
                input.server
            )
        }
        Err(error) => {
            return reply::failure(
                format!(
                    "the config was saved, but restarting `{}` with it failed: {}. The server keeps running with its previous config; fix the config and call mcp-config-set again.",
                    input.server,
                    reply::chain(&error)
                ),
                json!({ "config": config }),
            );
        }
    };
    reply::success(json!({ "server": input.server, "config": config, "message": note }))
}

/// Every problem at once, with the schema, so the model can fix them in one retry.
fn refusal(schema: Option<&Value>, error: SettingsError) -> CallToolResult {
    match &error {
        SettingsError::Invalid { violations, .. } => reply::failure(
            format!(
                "{error}. Nothing was saved; fix every violation and call mcp-config-set again."
            ),
            json!({ "violations": violations, "config_schema": schema }),
        ),
        SettingsError::SecretKey { secret } => reply::failure(
            format!("{error}. Ask the user to run it; secrets never pass through the model."),
            json!({ "secret": secret.name, "command": format!("switchboard secret set {}", secret.name) }),
        ),
        SettingsError::NoSchema { .. } | SettingsError::BadSchema { .. } => {
            reply::failure(error.to_string(), json!({}))
        }
    }
}
