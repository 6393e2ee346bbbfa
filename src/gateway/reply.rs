//! The one place that shapes what the model reads back from a meta-tool.
//!
//! Success and failure are both tool results carrying `structuredContent` and the same JSON as
//! text; a failure sets `isError` and says what to do next. Details for humans go to the log.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

/// A successful result: `value` as structured content and as pretty JSON text.
pub(crate) fn success(value: Value) -> CallToolResult {
    let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string());
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    result
}

/// A failed result: `message` says what happened and what to do; `details` adds fields
/// (candidates, schema, ...) the model can act on.
pub(crate) fn failure(message: impl Into<String>, details: Value) -> CallToolResult {
    let message = message.into();
    let mut body = json!({ "error": message });
    if let (Some(body), Value::Object(details)) = (body.as_object_mut(), details) {
        body.extend(details);
    }
    let text = serde_json::to_string_pretty(&body).unwrap_or_else(|_| message.clone());
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(body);
    result
}

/// Invalid arguments for a meta-tool, with the schema to retry against.
pub(crate) fn bad_arguments(
    tool: &str,
    error: impl std::fmt::Display,
    schema: &Value,
) -> CallToolResult {
    failure(
        format!(
            "invalid arguments for {tool}: {error}. Call it again with arguments matching `input_schema`."
        ),
        json!({ "input_schema": schema }),
    )
}

/// An error chain on one line: `outer: inner: root`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
