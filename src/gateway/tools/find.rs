//! `mcp-find`: search the catalog for servers that provide a capability.

use std::collections::BTreeSet;

use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::gateway::launch;
use crate::gateway::tools::{Context, parse};
use crate::gateway::{Gateway, reply};

pub(super) const NAME: &str = "mcp-find";

/// Arguments of `mcp-find`.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    /// What you need, in plain words or keywords, e.g. "open pull requests on GitHub".
    query: String,
    /// How many servers to return (default 10); values outside 1..=100 are clamped.
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    10
}

pub(super) fn definition(gateway: &Gateway) -> Tool {
    let categories: BTreeSet<&str> = gateway
        .catalog
        .catalog()
        .entries()
        .map(|e| e.metadata.category.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    let categories: Vec<&str> = categories.into_iter().collect();
    let description = format!(
        "Search the catalog of {} MCP servers for one that provides a capability you lack \
         (categories: {}). Call this first whenever the task needs a tool you do not have; \
         describe the need in plain words or paste the task itself. Returns servers best first, \
         each with its tools (`matched_tools`: the ones that fit your query, best first, with what \
         each does), how many prompts and \
         resources it brings (null: not known until added), the secrets and config it still \
         needs, and whether it is already added. Next: call mcp-add with the `name` of \
         the best match.",
        gateway.catalog.catalog().len(),
        categories.join(", ")
    );
    Tool::new(
        NAME,
        description,
        rmcp::handler::server::common::schema_for_type::<Input>(),
    )
}

pub(super) fn run(cx: &Context<'_>, arguments: JsonObject) -> CallToolResult {
    let schema = rmcp::handler::server::common::schema_for_type::<Input>();
    let input: Input = match parse(NAME, arguments, &schema) {
        Ok(input) => input,
        Err(result) => return result,
    };
    let gateway = cx.workspace.gateway();
    let hits = match gateway.catalog.search(&input.query, input.limit) {
        Ok(hits) => hits,
        Err(error) => return reply::failure(error.to_string(), json!({})),
    };
    let secrets = cx.workspace.secret_scope();
    let results: Vec<Value> = hits
        .iter()
        .map(|(entry, hit)| {
            let added = cx.workspace.is_added(entry.name.as_str());
            let tools: Vec<String> = if added {
                cx.workspace.tools_of(entry.name.as_str()).iter().map(|t| t.exposed.to_string()).collect()
            } else {
                entry.tools.iter().map(|t| t.name.clone()).collect()
            };
            let config = cx.workspace.config(entry.name.as_str());
            // What it offers once added; before, what the catalog says (null: not known).
            let (prompts, resources) = match cx.workspace.brought(entry.name.as_str()) {
                Some((prompts, resources)) => (Some(prompts), Some(resources)),
                None => (entry.prompts, entry.resources),
            };
            let mut result = json!({
                "name": entry.name.as_str(),
                "title": entry.title,
                "description": entry.description,
                "score": hit.score,
                "type": entry.kind.as_str(),
                "tools": tools,
                "matched_tools": crate::catalog::matched_tools(entry, &hit.matched_tools),
                "prompts": prompts,
                "resources": resources,
                "required_secrets": entry.secrets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
                "missing_secrets": launch::missing_secrets(entry, &secrets).iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                "missing_config": launch::missing_config(entry, &config),
                "config_schema": entry.config_schema(),
                "added": added,
            });
            if let Some(notice) = launch::unenforced_egress(entry) {
                result["warnings"] = json!([notice]);
            }
            result
        })
        .collect();
    reply::success(json!({ "query": input.query, "results": results }))
}
