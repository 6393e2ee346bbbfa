//! What interactive tools ask the client for (elicitation forms, sampling, the root list) and
//! how they read the answers. Requests are built from the JSON the scenarios spell out, so the
//! wire shape is the one they check; answers stay JSON (`InputResponses` values) because they
//! arrive either as 2026-07-28 `inputResponses` or as 2025-11-25 results of our own requests,
//! and a malformed answer must read as "not answered" rather than fail the call.

use rmcp::model::{ClientCapabilities, InputRequest, InputResponses};
use serde_json::{Map, Value, json};

/// An `elicitation/create` form request.
pub(crate) fn elicit(message: &str, requested_schema: Value) -> InputRequest {
    request(json!({
        "method": "elicitation/create",
        "params": { "mode": "form", "message": message, "requestedSchema": requested_schema },
    }))
}

/// An `elicitation/create` form with one required string field.
pub(crate) fn elicit_string(message: &str, field: &str) -> InputRequest {
    elicit(
        message,
        json!({
            "type": "object",
            "properties": { field: { "type": "string" } },
            "required": [field],
        }),
    )
}

/// A `sampling/createMessage` request of one user text message.
pub(crate) fn sample(text: &str, max_tokens: u32) -> InputRequest {
    request(json!({
        "method": "sampling/createMessage",
        "params": {
            "messages": [{ "role": "user", "content": { "type": "text", "text": text } }],
            "maxTokens": max_tokens,
        },
    }))
}

/// A `roots/list` request.
pub(crate) fn list_roots() -> InputRequest {
    request(json!({ "method": "roots/list", "params": {} }))
}

/// Deserializes one of the request literals above.
fn request(value: Value) -> InputRequest {
    // The literals above are valid requests of the three kinds (the unit tests below build each
    // one), so this cannot fail short of an rmcp model change, which the tests catch.
    serde_json::from_value(value).expect("a valid input request literal")
}

/// The client capability `request` needs, as a `ClientCapabilities` naming only it.
pub(crate) fn required_capability(request: &InputRequest) -> ClientCapabilities {
    let builder = ClientCapabilities::builder();
    match request {
        InputRequest::CreateMessage(_) => builder.enable_sampling().build(),
        InputRequest::ListRoots(_) => builder.enable_roots().build(),
        InputRequest::Elicitation(_) => builder.enable_elicitation().build(),
        // A kind rmcp may add later; nothing here builds one.
        _ => ClientCapabilities::default(),
    }
}

/// Whether `client` declared the capability `request` needs.
pub(crate) fn client_supports(client: &ClientCapabilities, request: &InputRequest) -> bool {
    match request {
        InputRequest::CreateMessage(_) => client.sampling.is_some(),
        InputRequest::ListRoots(_) => client.roots.is_some(),
        InputRequest::Elicitation(_) => client.elicitation.is_some(),
        _ => false,
    }
}

/// The client's answer to an elicitation: what the user did and, on accept, the form content.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Elicited<'a> {
    pub(crate) action: &'a str,
    pub(crate) content: Option<&'a Map<String, Value>>,
}

impl<'a> Elicited<'a> {
    /// A string field of an accepted form.
    pub(crate) fn string(&self, field: &str) -> Option<&'a str> {
        self.accepted()?.get(field)?.as_str()
    }

    /// A boolean field of an accepted form.
    pub(crate) fn boolean(&self, field: &str) -> Option<bool> {
        self.accepted()?.get(field)?.as_bool()
    }

    /// The form content when the user accepted, `None` when they declined or cancelled.
    pub(crate) fn accepted(&self) -> Option<&'a Map<String, Value>> {
        if self.action == "accept" {
            self.content
        } else {
            None
        }
    }

    /// `action=<action>, content=<json>`, the summary the 2025-11-25 elicitation tools return.
    pub(crate) fn summary(&self) -> String {
        let content = self.content.cloned().unwrap_or_default();
        format!("action={}, content={}", self.action, Value::Object(content))
    }
}

/// Typed reads of the answers the client has given so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answers<'a>(pub(crate) &'a InputResponses);

impl<'a> Answers<'a> {
    /// The answer under `key` if it is an elicitation result (`action` is one of the three).
    pub(crate) fn elicited(&self, key: &str) -> Option<Elicited<'a>> {
        let answer = self.0.get(key)?.as_object()?;
        let action = answer.get("action")?.as_str()?;
        if !matches!(action, "accept" | "decline" | "cancel") {
            return None;
        }
        let content = answer.get("content").and_then(Value::as_object);
        Some(Elicited { action, content })
    }

    /// The text of a sampling result under `key` (the first text block when content is a list).
    pub(crate) fn sampled_text(&self, key: &str) -> Option<&'a str> {
        let content = self.0.get(key)?.as_object()?.get("content")?;
        let block = match content {
            Value::Array(blocks) => blocks
                .iter()
                .find(|block| block.get("type").and_then(Value::as_str) == Some("text"))?,
            block => block,
        };
        block.get("text")?.as_str()
    }

    /// The root URIs of a `roots/list` result under `key`.
    pub(crate) fn roots(&self, key: &str) -> Option<Vec<&'a str>> {
        let roots = self.0.get(key)?.as_object()?.get("roots")?.as_array()?;
        roots
            .iter()
            .map(|root| root.get("uri").and_then(Value::as_str))
            .collect()
    }

    /// The keys present, for tools that report what they received.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &'a str> {
        self.0.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_literals_are_valid_input_requests_of_their_kind() {
        assert!(matches!(
            elicit_string("Name?", "name"),
            InputRequest::Elicitation(_)
        ));
        assert!(matches!(sample("Hi", 10), InputRequest::CreateMessage(_)));
        assert!(matches!(list_roots(), InputRequest::ListRoots(_)));
        let wire = serde_json::to_value(sample("Hi", 10)).expect("serializes");
        assert_eq!(wire["method"], "sampling/createMessage");
        assert_eq!(wire["params"]["maxTokens"], 10);
    }

    #[test]
    fn malformed_answers_read_as_unanswered() {
        let responses: InputResponses = serde_json::from_value(json!({
            "number": 12345,
            "no_action": { "content": { "name": "x" } },
            "declined": { "action": "decline" },
            "accepted": { "action": "accept", "content": { "name": "Alice", "ok": true } },
            "sampled": { "role": "assistant", "content": { "type": "text", "text": "Paris" } },
            "roots": { "roots": [{ "uri": "file:///a" }] },
        }))
        .expect("a map");
        let answers = Answers(&responses);
        assert!(answers.elicited("number").is_none());
        assert!(answers.elicited("no_action").is_none());
        assert!(answers.elicited("missing").is_none());
        let declined = answers.elicited("declined").expect("an elicitation answer");
        assert_eq!(declined.string("name"), None);
        let accepted = answers.elicited("accepted").expect("an elicitation answer");
        assert_eq!(accepted.string("name"), Some("Alice"));
        assert_eq!(accepted.boolean("ok"), Some(true));
        assert_eq!(answers.sampled_text("sampled"), Some("Paris"));
        assert_eq!(answers.sampled_text("number"), None);
        assert_eq!(answers.roots("roots"), Some(vec!["file:///a"]));
    }
}
