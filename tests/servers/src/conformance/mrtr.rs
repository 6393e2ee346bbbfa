//! The flows of the `input-required-result-*` scenarios (SEP-2322, multi round-trip requests):
//! one input of each kind, several at once, two rounds, state that must come back intact,
//! and requests shaped by the client's capabilities. A missing, wrong or malformed answer is
//! asked for again, never an error and never silently accepted; extra answers are ignored.

use rmcp::model::{CallToolResult, ErrorData, InputRequest};
use serde_json::{Value, json};

use super::inputs;
use super::lifecycle::{Round, Step};
use super::tools::text;

type ToolStep = Result<Step<CallToolResult>, ErrorData>;

/// `test_input_required_result_elicitation`: asks the user's name, then greets them.
pub(crate) fn greeting(round: Round<'_>) -> ToolStep {
    let ask = || Step::ask([("user_name", name_question("What is your name?"))]);
    Ok(match round.answers.elicited("user_name") {
        Some(answer) if answer.accepted().is_none() => Step::Done(text(format!(
            "No name given (the user chose {})",
            answer.action
        ))),
        Some(answer) => match answer.string("name") {
            Some(name) => Step::Done(text(format!("Hello, {name}!"))),
            None => ask(),
        },
        None => ask(),
    })
}

/// `test_input_required_result_sampling`: one sampling question.
pub(crate) fn capital(round: Round<'_>) -> ToolStep {
    Ok(match round.answers.sampled_text("capital_question") {
        Some(answer) => Step::Done(text(format!("Sampling result: {answer}"))),
        None => Step::ask([(
            "capital_question",
            inputs::sample("What is the capital of France?", 100),
        )]),
    })
}

/// `test_input_required_result_list_roots`: reports the client's roots.
pub(crate) fn roots(round: Round<'_>) -> ToolStep {
    Ok(match round.answers.roots("client_roots") {
        Some(roots) => Step::Done(text(format!(
            "Found {} root(s): {}",
            roots.len(),
            roots.join(", ")
        ))),
        None => Step::ask([("client_roots", inputs::list_roots())]),
    })
}

/// `test_input_required_result_request_state`: a confirmation that only counts together with
/// the state issued with the question.
pub(crate) fn request_state(round: Round<'_>) -> ToolStep {
    confirmed_with_state(round, "request-state", "state-ok: requestState validated")
}

/// `test_input_required_result_tampered_state`: the same, to show an altered state is refused
/// (the seal check in `lifecycle::drive` does the refusing).
pub(crate) fn tampered_state(round: Round<'_>) -> ToolStep {
    confirmed_with_state(round, "tamper-test", "integrity-ok: state verified")
}

fn confirmed_with_state(round: Round<'_>, kind: &str, done: &str) -> ToolStep {
    let state = json!({ "kind": kind });
    let answer = round.answers.elicited("confirm");
    Ok(match answer {
        Some(answer) if round.state == Some(&state) => {
            let confirmed = answer.boolean("ok").unwrap_or(false);
            Step::Done(text(format!("{done} (confirmed: {confirmed})")))
        }
        _ => Step::ask_with_state([("confirm", confirm_question())], state),
    })
}

/// `test_input_required_result_multiple_inputs`: a name, a generated greeting and the roots,
/// asked together; whatever is still missing is asked again.
pub(crate) fn multiple_inputs(round: Round<'_>) -> ToolStep {
    let state = json!({ "kind": "multiple-inputs" });
    let answers = round.answers;
    let in_state = round.state == Some(&state);
    let name = answers
        .elicited("user_name")
        .and_then(|answer| answer.string("name"))
        .filter(|_| in_state);
    let greeting = answers.sampled_text("greeting").filter(|_| in_state);
    let roots = answers.roots("client_roots").filter(|_| in_state);
    if let (Some(name), Some(greeting), Some(roots)) = (name, greeting, &roots) {
        return Ok(Step::Done(text(format!(
            "Name: {name}; Greeting: {greeting}; Roots: {}",
            roots.len()
        ))));
    }
    let mut requests: Vec<(&'static str, InputRequest)> = Vec::new();
    if name.is_none() {
        requests.push(("user_name", name_question("What is your name?")));
    }
    if greeting.is_none() {
        requests.push(("greeting", inputs::sample("Generate a greeting", 50)));
    }
    if roots.is_none() {
        requests.push(("client_roots", inputs::list_roots()));
    }
    Ok(Step::ask_with_state(requests, state))
}

/// `test_input_required_result_multi_round`: a name in round one, a color in round two; the
/// state says which round the answers belong to and carries the name forward.
pub(crate) fn multi_round(round: Round<'_>) -> ToolStep {
    let answers = round.answers;
    let step1 = || {
        Step::ask_with_state(
            [("step1", name_question("Step 1: What is your name?"))],
            json!({ "round": 1 }),
        )
    };
    let step2 = |name: &str| {
        Step::ask_with_state(
            [(
                "step2",
                inputs::elicit_string("Step 2: What is your favorite color?", "color"),
            )],
            json!({ "round": 2, "name": name }),
        )
    };
    let Some(state) = round.state else {
        return Ok(step1());
    };
    Ok(match state.get("round").and_then(Value::as_u64) {
        Some(1) => match answers.elicited("step1").and_then(|a| a.string("name")) {
            Some(name) => step2(name),
            None => step1(),
        },
        Some(2) => {
            let name = state
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("friend");
            match answers.elicited("step2").and_then(|a| a.string("color")) {
                Some(color) => Step::Done(text(format!(
                    "Multi-round complete for {name} who likes {color}"
                ))),
                None => step2(name),
            }
        }
        _ => step1(),
    })
}

/// `test_input_required_result_capabilities`: asks one input per capability the client
/// declared (elicitation, sampling, roots) and never one it did not.
pub(crate) fn capabilities(round: Round<'_>) -> ToolStep {
    let client = round.client;
    let mut requests: Vec<(&'static str, InputRequest)> = Vec::new();
    if client.elicitation.is_some() {
        requests.push((
            "elicit_input",
            inputs::elicit_string("Elicitation input", "value"),
        ));
    }
    if client.sampling.is_some() {
        requests.push(("sample_input", inputs::sample("Sample request", 50)));
    }
    if client.roots.is_some() {
        requests.push(("roots_input", inputs::list_roots()));
    }
    if requests.is_empty() {
        return Ok(Step::Done(text("No supported capabilities declared")));
    }
    let received: Vec<&str> = round
        .answers
        .keys()
        .filter(|key| requests.iter().any(|(asked, _)| asked == key))
        .collect();
    if received.is_empty() {
        return Ok(Step::ask(requests));
    }
    Ok(Step::Done(text(format!(
        "capabilities-ok: received {}",
        received.join(",")
    ))))
}

fn name_question(message: &str) -> InputRequest {
    inputs::elicit_string(message, "name")
}

fn confirm_question() -> InputRequest {
    inputs::elicit(
        "Please confirm",
        json!({
            "type": "object",
            "properties": { "ok": { "type": "boolean" } },
            "required": ["ok"],
        }),
    )
}

#[cfg(test)]
mod tests {
    use rmcp::model::{ClientCapabilities, InputResponses, JsonObject};

    use super::*;
    use crate::conformance::inputs::Answers;

    fn step(
        flow: fn(Round<'_>) -> ToolStep,
        state: Option<Value>,
        responses: Value,
        client: ClientCapabilities,
    ) -> Step<CallToolResult> {
        let responses: InputResponses = serde_json::from_value(responses).expect("a map");
        let arguments = JsonObject::new();
        let round = Round {
            arguments: &arguments,
            state: state.as_ref(),
            answers: Answers(&responses),
            client: &client,
        };
        flow(round).expect("a step")
    }

    fn all_capabilities() -> ClientCapabilities {
        ClientCapabilities::builder()
            .enable_roots()
            .enable_sampling()
            .enable_elicitation()
            .build()
    }

    fn done_text(step: Step<CallToolResult>) -> String {
        match step {
            Step::Done(result) => {
                serde_json::to_value(result).expect("serializes")["content"][0]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            }
            Step::Ask { requests, .. } => panic!("asked {:?}", requests.keys()),
        }
    }

    #[test]
    fn wrong_or_malformed_answers_are_asked_again() {
        for responses in [
            json!({}),
            json!({ "wrong_key": { "action": "accept", "content": { "data": "x" } } }),
            json!({ "user_name": 12345 }),
        ] {
            let asked = step(greeting, None, responses, all_capabilities());
            assert!(matches!(asked, Step::Ask { .. }));
        }
        let answered = json!({
            "user_name": { "action": "accept", "content": { "name": "Alice" } },
            "unknown_extra_key": { "action": "accept", "content": { "foo": "bar" } },
        });
        assert_eq!(
            done_text(step(greeting, None, answered, all_capabilities())),
            "Hello, Alice!"
        );
    }

    #[test]
    fn multi_round_carries_the_name_through_the_state() {
        let Step::Ask { state, .. } = step(multi_round, None, json!({}), all_capabilities()) else {
            panic!("round one must ask");
        };
        let name = json!({ "step1": { "action": "accept", "content": { "name": "Alice" } } });
        let Step::Ask { state, .. } = step(multi_round, state, name, all_capabilities()) else {
            panic!("round two must ask");
        };
        let color = json!({ "step2": { "action": "accept", "content": { "color": "blue" } } });
        assert_eq!(
            done_text(step(multi_round, state, color, all_capabilities())),
            "Multi-round complete for Alice who likes blue"
        );
    }

    #[test]
    fn capabilities_shape_the_questions() {
        let sampling_only = ClientCapabilities::builder().enable_sampling().build();
        let Step::Ask { requests, .. } = step(capabilities, None, json!({}), sampling_only) else {
            panic!("must ask");
        };
        assert_eq!(requests.keys().collect::<Vec<_>>(), ["sample_input"]);
        let none = ClientCapabilities::default();
        assert_eq!(
            done_text(step(capabilities, None, json!({}), none)),
            "No supported capabilities declared"
        );
    }

    #[test]
    fn a_confirmation_without_its_state_is_asked_again() {
        let yes = json!({ "confirm": { "action": "accept", "content": { "ok": true } } });
        assert!(matches!(
            step(request_state, None, yes.clone(), all_capabilities()),
            Step::Ask { .. }
        ));
        let state = Some(json!({ "kind": "request-state" }));
        assert!(
            done_text(step(request_state, state, yes, all_capabilities())).starts_with("state-ok")
        );
    }
}
