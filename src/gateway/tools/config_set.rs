//! `mcp-config-set`: give a server its settings, validated against the catalog's JSON Schema.

use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::CatalogEntry;
use crate::gateway::reply;
use crate::gateway::tools::{Context, parse};

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
        "Set a server's config values (not secrets) before mcp-add, when mcp-find or mcp-add \
         reports `missing_config`. The values are merged into what is already set and checked \
         against the server's `config_schema`; on failure every violation is listed with the \
         schema so you can fix them all at once. Secrets are refused here: the error says how \
         the user sets them.",
        rmcp::handler::server::common::schema_for_type::<Input>(),
    )
}

pub(super) fn run(cx: &Context<'_>, arguments: JsonObject) -> CallToolResult {
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
    if let Some(refusal) = refuse_secrets(entry, &input.config) {
        return refusal;
    }
    let Some(config_schema) = entry.config_schema() else {
        return reply::failure(format!("`{}` takes no config.", input.server), json!({}));
    };
    let mut config = cx.workspace.config(&input.server);
    config.extend(input.config);
    apply_defaults(config_schema, &mut config);
    let violations = match violations(config_schema, &Value::Object(config.clone())) {
        Ok(violations) => violations,
        Err(error) => {
            return reply::failure(
                format!(
                    "the catalog's config schema for `{}` is invalid: {error}",
                    input.server
                ),
                json!({}),
            );
        }
    };
    if !violations.is_empty() {
        return reply::failure(
            format!(
                "the config for `{}` is invalid ({} problems); nothing was saved. Fix every violation and call mcp-config-set again.",
                input.server,
                violations.len()
            ),
            json!({ "violations": violations, "config_schema": config_schema }),
        );
    }
    cx.workspace.set_config(entry.name.clone(), config.clone());
    let note = if cx.workspace.is_added(&input.server) {
        "Saved. The running server keeps its old config until you mcp-remove and mcp-add it again."
    } else {
        "Saved. Call mcp-add to start the server with it."
    };
    reply::success(json!({ "server": input.server, "config": config, "message": note }))
}

/// Refuses keys that name one of the server's secrets: secrets never pass through the model.
fn refuse_secrets(entry: &CatalogEntry, config: &JsonObject) -> Option<CallToolResult> {
    let prefix = format!("{}.", entry.name);
    let secret = entry.secrets.iter().find(|secret| {
        let key = secret.name.strip_prefix(&prefix).unwrap_or(&secret.name);
        config.contains_key(key)
            || config.contains_key(&secret.name)
            || config.contains_key(&secret.env)
    })?;
    Some(reply::failure(
        format!(
            "`{}` is a secret and is never set through the model. Ask the user to set the environment variable `{}` for the gateway and restart it.",
            secret.name, secret.env
        ),
        json!({ "secret": secret.name, "env": secret.env }),
    ))
}

/// Fills in `default` values of top-level properties the config does not set.
fn apply_defaults(schema: &Value, config: &mut JsonObject) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, property) in properties {
        if let Some(default) = property.get("default") {
            config.entry(key.clone()).or_insert_with(|| default.clone());
        }
    }
}

/// Every violation of `schema` by `config`, as `path: message` lines.
fn violations(schema: &Value, config: &Value) -> Result<Vec<String>, String> {
    let validator = jsonschema::validator_for(schema).map_err(|e| e.to_string())?;
    Ok(validator
        .iter_errors(config)
        .map(|error| {
            let path = error.instance_path().to_string();
            let path = if path.is_empty() {
                "(root)".to_string()
            } else {
                path
            };
            format!("{path}: {error}")
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_violation_and_applies_defaults() {
        let schema = json!({
            "type": "object",
            "properties": {"path": {"type": "string"}, "level": {"type": "string", "default": "info"}, "n": {"type": "integer"}},
            "required": ["path"],
            "additionalProperties": false
        });
        let mut config = JsonObject::new();
        config.insert("n".into(), json!("three"));
        config.insert("bogus".into(), json!(1));
        apply_defaults(&schema, &mut config);
        assert_eq!(config["level"], json!("info"));
        let found = violations(&schema, &Value::Object(config)).unwrap();
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
