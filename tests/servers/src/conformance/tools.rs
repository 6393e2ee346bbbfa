//! The tools that answer at once, the same way on both lifecycles: every content type, a tool
//! error, logging and progress while working, the JSON Schema 2020-12 tool, the probes of the
//! HTTP scenarios (a header-mirrored parameter, a slow answer for SSE polling), and the hooks
//! that change the tool list, the prompt list and the watched resource on demand. Also the full
//! `tools/list` (these plus the interactive tools of `interactive.rs`).

use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{
    CacheScope, CallToolResult, ContentBlock, ErrorData, JsonObject, ListToolsResult, LoggingLevel,
    ResourceContents, Tool,
};
use rmcp::service::RequestContext;
use serde_json::{Value, json};

use super::interactive::Interactive;
use super::notify;
use super::resources::LIST_TTL_MS;
use super::state::{Change, Session, Shared};

/// A 1x1 red PNG.
pub(crate) const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

/// A WAV file with one silent sample.
const WAV_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// The pause between a working tool's messages, so clients see them arrive one by one.
const STEP_DELAY: Duration = Duration::from_millis(50);

/// The tools of this file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basic {
    SimpleText,
    Image,
    Audio,
    EmbeddedResource,
    MixedContent,
    Error,
    WithLogging,
    WithProgress,
    JsonSchema202012,
    LoggingProbe,
    TriggerToolChange,
    TriggerPromptChange,
    TriggerResourceUpdate,
    HeaderParameter,
    Reconnection,
}

impl Basic {
    const ALL: [Basic; 15] = [
        Basic::SimpleText,
        Basic::Image,
        Basic::Audio,
        Basic::EmbeddedResource,
        Basic::MixedContent,
        Basic::Error,
        Basic::WithLogging,
        Basic::WithProgress,
        Basic::JsonSchema202012,
        Basic::LoggingProbe,
        Basic::TriggerToolChange,
        Basic::TriggerPromptChange,
        Basic::TriggerResourceUpdate,
        Basic::HeaderParameter,
        Basic::Reconnection,
    ];

    pub(crate) fn named(name: &str) -> Option<Basic> {
        Basic::ALL.into_iter().find(|tool| tool.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Basic::SimpleText => "test_simple_text",
            Basic::Image => "test_image_content",
            Basic::Audio => "test_audio_content",
            Basic::EmbeddedResource => "test_embedded_resource",
            Basic::MixedContent => "test_multiple_content_types",
            Basic::Error => "test_error_handling",
            Basic::WithLogging => "test_tool_with_logging",
            Basic::WithProgress => "test_tool_with_progress",
            Basic::JsonSchema202012 => "json_schema_2020_12_tool",
            Basic::LoggingProbe => "test_logging_tool",
            Basic::TriggerToolChange => "test_trigger_tool_change",
            Basic::TriggerPromptChange => "test_trigger_prompt_change",
            Basic::TriggerResourceUpdate => "test_trigger_resource_update",
            Basic::HeaderParameter => "test_header_parameter",
            Basic::Reconnection => "test_reconnection",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Basic::SimpleText => "Tests simple text content response",
            Basic::Image => "Tests image content response",
            Basic::Audio => "Tests audio content response",
            Basic::EmbeddedResource => "Tests embedded resource content response",
            Basic::MixedContent => {
                "Tests response with multiple content types (text, image, resource)"
            }
            Basic::Error => "Tests error response handling (returns isError: true)",
            Basic::WithLogging => "Tests tool that emits three info log messages during execution",
            Basic::WithProgress => "Tests tool that reports progress notifications",
            Basic::JsonSchema202012 => {
                "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613, SEP-2106)"
            }
            Basic::LoggingProbe => {
                "Logs one info message, only if the client asked for logs at that level"
            }
            Basic::TriggerToolChange => {
                "Announces a tool list change to listeners (sessions and subscriptions/listen)"
            }
            Basic::TriggerPromptChange => "Announces a prompt list change to listeners",
            Basic::TriggerResourceUpdate => {
                "Changes test://watched-resource now and tells its subscribers"
            }
            Basic::HeaderParameter => {
                "Returns `region`, which HTTP clients also send as the Mcp-Param-Region header (SEP-2243)"
            }
            Basic::Reconnection => {
                "Answers after a pause, for SSE polling tests (SEP-1699); closing the stream meanwhile is the transport's part"
            }
        }
    }

    fn input_schema(self) -> Value {
        match self {
            Basic::JsonSchema202012 => json_schema_2020_12(),
            Basic::HeaderParameter => json!({
                "type": "object",
                "properties": {
                    "region": { "type": "string", "x-mcp-header": "Region" },
                },
                "required": ["region"],
            }),
            _ => no_arguments(),
        }
    }

    pub(crate) async fn call(
        self,
        shared: &Shared,
        session: &Session,
        arguments: &JsonObject,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let result = match self {
            Basic::SimpleText => text("This is a simple text response for testing."),
            Basic::Image => {
                CallToolResult::success(vec![ContentBlock::image(PNG_BASE64, "image/png")])
            }
            Basic::Audio => {
                CallToolResult::success(vec![ContentBlock::audio(WAV_BASE64, "audio/wav")])
            }
            Basic::EmbeddedResource => {
                CallToolResult::success(vec![ContentBlock::resource(ResourceContents::text(
                    "This is an embedded resource content.",
                    "test://embedded-resource",
                ))])
            }
            Basic::MixedContent => CallToolResult::success(vec![
                ContentBlock::text("Multiple content types test:"),
                ContentBlock::image(PNG_BASE64, "image/png"),
                ContentBlock::resource(
                    ResourceContents::text(
                        json!({ "test": "data", "value": 123 }).to_string(),
                        "test://mixed-content-resource",
                    )
                    .with_mime_type("application/json"),
                ),
            ]),
            Basic::Error => CallToolResult::error(vec![ContentBlock::text(
                "This tool intentionally returns an error for testing",
            )]),
            Basic::WithLogging => {
                let steps = [
                    "Tool execution started",
                    "Tool processing data",
                    "Tool execution completed",
                ];
                for (index, step) in steps.into_iter().enumerate() {
                    if index > 0 {
                        tokio::time::sleep(STEP_DELAY).await;
                    }
                    notify::log(context, session, LoggingLevel::Info, step).await;
                }
                text("Tool with logging executed successfully")
            }
            Basic::WithProgress => {
                for (index, done) in [0, 50, 100].into_iter().enumerate() {
                    if index > 0 {
                        tokio::time::sleep(STEP_DELAY).await;
                    }
                    let message = format!("Completed step {done} of 100");
                    notify::progress(context, done, 100, message).await;
                }
                // The token back, as the suite's reference server answers.
                match context.meta.get_progress_token().map(|token| json!(token)) {
                    Some(Value::String(token)) => text(token),
                    Some(token) => text(token.to_string()),
                    None => text("done (no progress token was sent)"),
                }
            }
            Basic::JsonSchema202012 => text(format!(
                "JSON Schema 2020-12 tool called with: {}",
                Value::Object(arguments.clone())
            )),
            Basic::LoggingProbe => {
                notify::log(
                    context,
                    session,
                    LoggingLevel::Info,
                    "Diagnostic trace logging activated",
                )
                .await;
                text("Logging evaluated")
            }
            Basic::TriggerToolChange => {
                shared.announce(Change::ToolsListChanged);
                text("Tool list change announced")
            }
            Basic::TriggerPromptChange => {
                shared.announce(Change::PromptsListChanged);
                text("Prompt list change announced")
            }
            Basic::TriggerResourceUpdate => {
                shared.touch_watched();
                text(format!(
                    "test://watched-resource is now at revision {}",
                    shared.watched_revision()
                ))
            }
            Basic::HeaderParameter => match arguments.get("region").and_then(Value::as_str) {
                Some(region) => text(format!("Region: {region}")),
                None => {
                    let message = "missing string argument `region`";
                    return Err(ErrorData::invalid_params(message, None));
                }
            },
            Basic::Reconnection => {
                tokio::time::sleep(2 * STEP_DELAY).await;
                text("Reconnection test completed successfully")
            }
        };
        Ok(result)
    }
}

/// Every tool this server offers, in a stable order.
pub(crate) fn all() -> Vec<Tool> {
    let basic = Basic::ALL
        .into_iter()
        .map(|tool| described(tool.name(), tool.description(), tool.input_schema()));
    let interactive = Interactive::ALL
        .into_iter()
        .map(|tool| described(tool.name(), tool.description(), tool.input_schema()));
    basic.chain(interactive).collect()
}

pub(crate) fn list() -> ListToolsResult {
    ListToolsResult::with_all_items(all())
        .with_ttl_ms(LIST_TTL_MS)
        .with_cache_scope(CacheScope::Public)
}

fn described(name: &'static str, description: &'static str, schema: Value) -> Tool {
    let schema = match schema {
        Value::Object(schema) => schema,
        // Every schema above is an object literal.
        _ => JsonObject::new(),
    };
    Tool::new(name, description, schema)
}

/// A successful result of one text block.
pub(crate) fn text(text: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text.into())])
}

pub(crate) fn no_arguments() -> Value {
    json!({ "type": "object", "properties": {} })
}

/// The schema the `json-schema-2020-12` scenario wants listed verbatim: `$schema`, `$defs`
/// with an `$anchor`, a `$ref`, composition, conditionals and `additionalProperties`.
fn json_schema_2020_12() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {
                    "street": { "type": "string" },
                    "city": { "type": "string" },
                },
            },
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" },
        },
        "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
        "if": {
            "properties": { "contactMethod": { "const": "phone" } },
            "required": ["contactMethod"],
        },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_are_unique_and_well_formed() {
        let tools = all();
        let mut names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
        for name in &names {
            assert!(
                name.len() <= 64
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c)),
                "{name}"
            );
        }
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "duplicate tool names");
        assert!(tools.iter().all(|tool| tool.description.is_some()));
    }

    #[test]
    fn the_2020_12_schema_is_listed_verbatim() {
        let tool = all()
            .into_iter()
            .find(|tool| tool.name == "json_schema_2020_12_tool")
            .expect("listed");
        assert_eq!(
            Value::Object((*tool.input_schema).clone()),
            json_schema_2020_12()
        );
    }
}
