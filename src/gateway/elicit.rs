//! Asking the user, through the client, for config a server still needs (MCP elicitation).
//!
//! Only non-secret config is ever asked for this way: the answer passes through the client,
//! and secrets never do. Elicitation forms take flat objects of primitive fields, so each
//! missing key is offered as its own field, with its type, description and choices.

use std::time::Duration;

use rmcp::model::{ElicitRequestParams, ElicitationAction, ElicitationSchema};
use rmcp::service::{Peer, RoleServer};
use serde_json::{Map, Value, json};

use crate::catalog::CatalogEntry;

/// How long the user has to fill in the form.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(600);

/// What came of asking.
#[derive(Debug)]
pub(crate) enum Answer {
    /// The client cannot show forms; fall back to telling the model what to set.
    Unsupported,
    /// The user filled in the form: the values, typed as the schema says.
    Given(Map<String, Value>),
    /// The user declined or cancelled.
    Refused,
}

/// Whether the connected client declared form elicitation.
pub(crate) fn supported(peer: &Peer<RoleServer>) -> bool {
    peer.peer_info()
        .is_some_and(|info| info.capabilities.elicitation.is_some())
}

/// Shows the user a form for the `missing` config keys of `entry`.
pub(crate) async fn ask(
    peer: &Peer<RoleServer>,
    entry: &CatalogEntry,
    missing: &[String],
) -> Answer {
    if !supported(peer) {
        return Answer::Unsupported;
    }
    let Some(schema) = form(entry, missing) else {
        return Answer::Unsupported;
    };
    let message = format!(
        "`{}` ({}) needs some settings before it can start: {}.",
        entry.name,
        entry.title,
        missing.join(", ")
    );
    let request = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    };
    let reply = match tokio::time::timeout(ANSWER_TIMEOUT, peer.create_elicitation(request)).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(error)) => {
            tracing::debug!(server = %entry.name, error = %error, "elicitation failed");
            return Answer::Unsupported;
        }
        Err(_) => return Answer::Refused,
    };
    match (reply.action, reply.content) {
        (ElicitationAction::Accept, Some(Value::Object(values))) => {
            Answer::Given(typed(entry, values))
        }
        (ElicitationAction::Accept, _) => Answer::Given(Map::new()),
        _ => Answer::Refused,
    }
}

/// The form: one primitive field per missing key. Lists become comma-separated text.
fn form(entry: &CatalogEntry, missing: &[String]) -> Option<ElicitationSchema> {
    let properties = entry.config_schema()?.get("properties")?.as_object()?;
    let mut fields = Map::new();
    for key in missing {
        let property = properties.get(key).cloned().unwrap_or_else(|| json!({}));
        let kind = property
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let mut field = Map::new();
        let primitive = match kind {
            "integer" | "number" | "boolean" => kind,
            _ => "string",
        };
        field.insert("type".into(), json!(primitive));
        field.insert("title".into(), json!(key));
        let mut description = property
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if kind == "array" {
            description.push_str(" (comma-separated)");
        }
        if !description.trim().is_empty() {
            field.insert("description".into(), json!(description.trim()));
        }
        if let Some(choices) = property.get("enum").filter(|_| primitive == "string") {
            field.insert("enum".into(), choices.clone());
        }
        fields.insert(key.clone(), Value::Object(field));
    }
    let schema = json!({ "type": "object", "properties": fields, "required": missing });
    serde_json::from_value(schema).ok()
}

/// Types text answers by the schema, as `switchboard config set` does: comma-separated text
/// becomes a list where the schema wants an array (form fields are primitives).
fn typed(entry: &CatalogEntry, values: Map<String, Value>) -> Map<String, Value> {
    values
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => {
                let typed = crate::catalog::typed_value(entry, &key, &text);
                (key, typed)
            }
            other => (key, other),
        })
        .collect()
}
