//! The tools that need the client's input (sampling, elicitation, roots): their names,
//! descriptions and schemas, and the flows of the 2025-11-25 scenarios (`test_sampling`,
//! `test_elicitation`, the SEP-1034 defaults and SEP-1330 enum forms) plus the capability and
//! streaming probes. The `test_input_required_result_*` flows are in `mrtr.rs`. Every flow
//! runs on both lifecycles through `lifecycle::drive`.

use rmcp::RoleServer;
use rmcp::model::{CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData};
use rmcp::service::RequestContext;
use serde_json::{Value, json};

use super::inputs;
use super::lifecycle::{self, Outcome, Retry, Round, Step};
use super::mrtr;
use super::notify;
use super::state::Shared;
use super::tools::{no_arguments, text};

/// The interactive tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interactive {
    Sampling,
    Elicitation,
    ElicitationDefaults,
    ElicitationEnums,
    MissingCapability,
    StreamingElicitation,
    InputElicitation,
    InputSampling,
    InputListRoots,
    InputRequestState,
    InputMultipleInputs,
    InputMultiRound,
    InputTamperedState,
    InputCapabilities,
}

impl Interactive {
    pub(crate) const ALL: [Interactive; 14] = [
        Interactive::Sampling,
        Interactive::Elicitation,
        Interactive::ElicitationDefaults,
        Interactive::ElicitationEnums,
        Interactive::MissingCapability,
        Interactive::StreamingElicitation,
        Interactive::InputElicitation,
        Interactive::InputSampling,
        Interactive::InputListRoots,
        Interactive::InputRequestState,
        Interactive::InputMultipleInputs,
        Interactive::InputMultiRound,
        Interactive::InputTamperedState,
        Interactive::InputCapabilities,
    ];

    pub(crate) fn named(name: &str) -> Option<Interactive> {
        Interactive::ALL
            .into_iter()
            .find(|tool| tool.name() == name)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Interactive::Sampling => "test_sampling",
            Interactive::Elicitation => "test_elicitation",
            Interactive::ElicitationDefaults => "test_elicitation_sep1034_defaults",
            Interactive::ElicitationEnums => "test_elicitation_sep1330_enums",
            Interactive::MissingCapability => "test_missing_capability",
            Interactive::StreamingElicitation => "test_streaming_elicitation",
            Interactive::InputElicitation => "test_input_required_result_elicitation",
            Interactive::InputSampling => "test_input_required_result_sampling",
            Interactive::InputListRoots => "test_input_required_result_list_roots",
            Interactive::InputRequestState => "test_input_required_result_request_state",
            Interactive::InputMultipleInputs => "test_input_required_result_multiple_inputs",
            Interactive::InputMultiRound => "test_input_required_result_multi_round",
            Interactive::InputTamperedState => "test_input_required_result_tampered_state",
            Interactive::InputCapabilities => "test_input_required_result_capabilities",
        }
    }

    pub(crate) fn description(self) -> &'static str {
        match self {
            Interactive::Sampling => "Asks the client's LLM (sampling) to answer the prompt",
            Interactive::Elicitation => "Asks the user (elicitation) for a username and email",
            Interactive::ElicitationDefaults => {
                "Elicitation with default values for every primitive type (SEP-1034)"
            }
            Interactive::ElicitationEnums => {
                "Elicitation with the five enum schema variants (SEP-1330)"
            }
            Interactive::MissingCapability => {
                "Needs sampling: refused with -32021 when the client did not declare it"
            }
            Interactive::StreamingElicitation => {
                "Reports progress, then asks for a confirmation (input on the response only)"
            }
            Interactive::InputElicitation => "MRTR: asks the user's name through elicitation",
            Interactive::InputSampling => "MRTR: asks a sampling question",
            Interactive::InputListRoots => "MRTR: asks for the client's roots",
            Interactive::InputRequestState => "MRTR: asks a confirmation and carries requestState",
            Interactive::InputMultipleInputs => {
                "MRTR: asks elicitation, sampling and roots at once"
            }
            Interactive::InputMultiRound => "MRTR: asks a name, then a color, over two rounds",
            Interactive::InputTamperedState => {
                "MRTR: signs requestState (HMAC) and refuses it if altered"
            }
            Interactive::InputCapabilities => {
                "MRTR: asks only for what the client's declared capabilities allow"
            }
        }
    }

    pub(crate) fn input_schema(self) -> Value {
        let one_string = |name: &str, description: &str| {
            json!({
                "type": "object",
                "properties": { name: { "type": "string", "description": description } },
                "required": [name],
            })
        };
        match self {
            Interactive::Sampling => one_string("prompt", "The prompt to send to the LLM"),
            Interactive::Elicitation => one_string("message", "The message to show the user"),
            _ => no_arguments(),
        }
    }

    /// Calls the tool: one step on 2026-07-28, the whole exchange on 2025-11-25.
    pub(crate) async fn call(
        self,
        shared: &Shared,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if self == Interactive::StreamingElicitation {
            notify::progress(context, 50, 100, "Streaming started".to_string()).await;
        }
        let arguments = request.arguments.unwrap_or_default();
        let retry = Retry {
            input_responses: request.input_responses,
            request_state: request.request_state,
        };
        let step = |round: Round<'_>| self.step(round);
        let outcome =
            lifecycle::drive(&shared.seal, self.name(), &arguments, retry, context, step).await?;
        Ok(match outcome {
            Outcome::Done(result) => result.into(),
            Outcome::InputRequired(result) => result.into(),
        })
    }

    fn step(self, round: Round<'_>) -> Result<Step<CallToolResult>, ErrorData> {
        match self {
            Interactive::Sampling => sampling(round),
            Interactive::Elicitation => elicitation(round),
            Interactive::ElicitationDefaults => form(
                round,
                "Please review and update the form fields with defaults",
                defaults_schema(),
            ),
            Interactive::ElicitationEnums => form(
                round,
                "Please select options from the enum fields",
                enums_schema(),
            ),
            Interactive::MissingCapability => missing_capability(round),
            Interactive::StreamingElicitation => streaming(round),
            Interactive::InputElicitation => mrtr::greeting(round),
            Interactive::InputSampling => mrtr::capital(round),
            Interactive::InputListRoots => mrtr::roots(round),
            Interactive::InputRequestState => mrtr::request_state(round),
            Interactive::InputMultipleInputs => mrtr::multiple_inputs(round),
            Interactive::InputMultiRound => mrtr::multi_round(round),
            Interactive::InputTamperedState => mrtr::tampered_state(round),
            Interactive::InputCapabilities => mrtr::capabilities(round),
        }
    }
}

/// A required string argument.
fn argument<'a>(round: &Round<'a>, name: &str) -> Result<&'a str, ErrorData> {
    round
        .arguments
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ErrorData::invalid_params(format!("missing string argument `{name}`"), None))
}

fn sampling(round: Round<'_>) -> Result<Step<CallToolResult>, ErrorData> {
    let prompt = argument(&round, "prompt")?;
    Ok(match round.answers.sampled_text("llm") {
        Some(answer) => Step::Done(text(format!("LLM response: {answer}"))),
        None => Step::ask([("llm", inputs::sample(prompt, 100))]),
    })
}

fn elicitation(round: Round<'_>) -> Result<Step<CallToolResult>, ErrorData> {
    let message = argument(&round, "message")?;
    let schema = json!({
        "type": "object",
        "properties": {
            "username": { "type": "string", "description": "User's response" },
            "email": { "type": "string", "description": "User's email address" },
        },
        "required": ["username", "email"],
    });
    Ok(match round.answers.elicited("user_input") {
        Some(answer) => Step::Done(text(format!("User response: {}", answer.summary()))),
        None => Step::ask([("user_input", inputs::elicit(message, schema))]),
    })
}

/// A form whose whole answer is reported back.
fn form(round: Round<'_>, message: &str, schema: Value) -> Result<Step<CallToolResult>, ErrorData> {
    Ok(match round.answers.elicited("form") {
        Some(answer) => Step::Done(text(format!("Elicitation completed: {}", answer.summary()))),
        None => Step::ask([("form", inputs::elicit(message, schema))]),
    })
}

fn missing_capability(round: Round<'_>) -> Result<Step<CallToolResult>, ErrorData> {
    Ok(match round.answers.sampled_text("completion") {
        Some(answer) => Step::Done(text(format!("Success: {answer}"))),
        None => Step::ask([("completion", inputs::sample("Say hello", 20))]),
    })
}

fn streaming(round: Round<'_>) -> Result<Step<CallToolResult>, ErrorData> {
    Ok(match round.answers.elicited("confirm") {
        Some(answer) => Step::Done(text(format!("Streaming complete ({})", answer.action))),
        None => Step::ask([(
            "confirm",
            inputs::elicit(
                "Finish streaming?",
                json!({
                    "type": "object",
                    "properties": { "ok": { "type": "boolean" } },
                    "required": ["ok"],
                }),
            ),
        )]),
    })
}

/// SEP-1034: a default for every primitive type.
fn defaults_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "description": "User name", "default": "John Doe" },
            "age": { "type": "integer", "description": "User age", "default": 30 },
            "score": { "type": "number", "description": "User score", "default": 95.5 },
            "status": {
                "type": "string",
                "description": "User status",
                "enum": ["active", "inactive", "pending"],
                "default": "active",
            },
            "verified": { "type": "boolean", "description": "Verification status", "default": true },
        },
        "required": [],
    })
}

/// SEP-1330: untitled and titled single select, the legacy `enumNames`, untitled and titled
/// multi-select.
fn enums_schema() -> Value {
    let titled = |prefix: &str, titles: [&str; 3]| -> Vec<Value> {
        titles
            .iter()
            .enumerate()
            .map(|(index, title)| json!({ "const": format!("{prefix}{}", index + 1), "title": title }))
            .collect()
    };
    json!({
        "type": "object",
        "properties": {
            "untitledSingle": {
                "type": "string",
                "description": "Select one option",
                "enum": ["option1", "option2", "option3"],
            },
            "titledSingle": {
                "type": "string",
                "description": "Select one option with titles",
                "oneOf": titled("value", ["First Option", "Second Option", "Third Option"]),
            },
            "legacyEnum": {
                "type": "string",
                "description": "Select one option (legacy)",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"],
            },
            "untitledMulti": {
                "type": "array",
                "description": "Select multiple options",
                "minItems": 1,
                "maxItems": 3,
                "items": { "type": "string", "enum": ["option1", "option2", "option3"] },
            },
            "titledMulti": {
                "type": "array",
                "description": "Select multiple options with titles",
                "minItems": 1,
                "maxItems": 3,
                "items": { "anyOf": titled("value", ["First Choice", "Second Choice", "Third Choice"]) },
            },
        },
        "required": [],
    })
}

#[cfg(test)]
mod tests {
    use rmcp::model::{ClientCapabilities, InputResponses, JsonObject};

    use super::*;
    use crate::conformance::inputs::Answers;

    /// The first step of `tool` with no answers yet.
    fn first_step(tool: Interactive) -> Step<CallToolResult> {
        let arguments: JsonObject = serde_json::from_value(json!({
            "prompt": "Say hi",
            "message": "Who are you?",
        }))
        .expect("an object");
        let responses = InputResponses::new();
        let client = ClientCapabilities::builder()
            .enable_roots()
            .enable_sampling()
            .enable_elicitation()
            .build();
        let round = Round {
            arguments: &arguments,
            state: None,
            answers: Answers(&responses),
            client: &client,
        };
        tool.step(round).expect("a first step")
    }

    #[test]
    fn every_tool_asks_before_it_answers() {
        for tool in Interactive::ALL {
            assert!(matches!(first_step(tool), Step::Ask { .. }), "{tool:?}");
        }
    }

    #[test]
    fn the_enum_and_default_forms_go_out_as_written() {
        for (tool, schema) in [
            (Interactive::ElicitationDefaults, defaults_schema()),
            (Interactive::ElicitationEnums, enums_schema()),
        ] {
            let Step::Ask { requests, .. } = first_step(tool) else {
                panic!("{tool:?} did not ask");
            };
            let wire = serde_json::to_value(&requests["form"]).expect("serializes");
            assert_eq!(wire["params"]["requestedSchema"], schema, "{tool:?}");
        }
    }
}
