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

/// Marks an `mcp-add` result whose instance was not started for it: `from_standby` (taken
/// from the gateway's standby pool) or `kept_warm` (kept running since this workspace removed
/// it).
pub(crate) fn instance_source(body: &mut Value, source: crate::gateway::workspace::AddSource) {
    use crate::gateway::workspace::AddSource;
    let key = match source {
        AddSource::Started => return,
        AddSource::Standby => "from_standby",
        AddSource::KeptWarm => "kept_warm",
    };
    if let Some(body) = body.as_object_mut() {
        body.insert(key.to_string(), Value::Bool(true));
    }
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

/// A start this long is worth a sentence even without a pull.
const SLOW_START: std::time::Duration = std::time::Duration::from_secs(5);

/// How long each step of a server start took (`steps` in order, named `pull`, `create`,
/// `start`, `initialize`) and the whole of it: the `timings_ms` object for `mcp-add`'s result,
/// and a sentence for its message when the image was pulled or the start was slow.
pub(crate) fn start_timings(
    steps: &[(&'static str, std::time::Duration)],
    total: std::time::Duration,
) -> (Value, Option<String>) {
    let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let mut timings = serde_json::Map::new();
    for (name, took) in steps {
        timings.insert((*name).to_string(), json!(millis(*took)));
    }
    timings.insert("total".to_string(), json!(millis(total)));
    let pulled = steps.iter().any(|(name, _)| *name == "pull");
    let sentence = (pulled || total >= SLOW_START).then(|| {
        let seconds = |d: std::time::Duration| format!("{:.1} s", d.as_secs_f64());
        let parts: Vec<String> = steps
            .iter()
            .map(|(name, took)| format!("{name} {}", seconds(*took)))
            .collect();
        let why = if pulled {
            "its image was not present and was pulled first"
        } else {
            "it was slow to start"
        };
        format!(
            " Starting it took {} ({}), as {why}.",
            seconds(total),
            parts.join(", ")
        )
    });
    (Value::Object(timings), sentence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timings_speak_up_only_for_a_pull_or_a_slow_start() {
        let quick = [
            ("create", Duration::from_millis(12)),
            ("start", Duration::from_millis(140)),
            ("initialize", Duration::from_millis(9)),
        ];
        let (timings, sentence) = start_timings(&quick, Duration::from_millis(170));
        assert_eq!(
            timings,
            json!({"create": 12, "start": 140, "initialize": 9, "total": 170})
        );
        assert_eq!(sentence, None);
        let pulled = [("pull", Duration::from_millis(2300)), quick[0], quick[1]];
        let (timings, sentence) = start_timings(&pulled, Duration::from_millis(2500));
        assert_eq!(timings["pull"], 2300);
        assert_eq!(
            sentence.as_deref(),
            Some(
                " Starting it took 2.5 s (pull 2.3 s, create 0.0 s, start 0.1 s), as its image was not present and was pulled first."
            )
        );
        let (_, sentence) = start_timings(&quick, Duration::from_secs(6));
        assert!(sentence.is_some_and(|s| s.contains("slow")));
    }
}
