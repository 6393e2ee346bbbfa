//! One interactive tool or prompt, two protocol lifecycles. A flow is a pure step: from the
//! client's answers so far (and its own state) it either finishes or asks for more input.
//! [`drive`] runs it the way the request's revision wants:
//!
//! - 2026-07-28 (stateless): one step per request. Asking becomes an `InputRequiredResult`
//!   whose `requestState` is sealed (see `seal.rs`); the client retries with `inputResponses`
//!   and the state, and a state that fails the seal is refused with -32602.
//! - 2025-11-25 (an `initialize` session): the server sends each request to the client itself
//!   (`sampling/createMessage`, `elicitation/create`, `roots/list`) and steps again with the
//!   answers, until the flow finishes.
//!
//! Either way a flow never asks for a capability the client did not declare: that is
//! -32021 (MissingRequiredClientCapability) naming it.

use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{
    ClientCapabilities, ErrorData, InputRequest, InputRequests, InputRequiredResult,
    InputResponses, JsonObject, ProtocolVersion, ServerRequest,
};
use rmcp::service::{PeerRequestOptions, RequestContext};
use serde_json::Value;

use super::inputs::{self, Answers};
use super::seal::Seal;

/// A session-lifecycle flow that keeps asking after this many rounds is a bug in the flow.
const MAX_ROUNDS: usize = 10;

/// How long the client gets to answer one of our requests (a person may be filling a form).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// Which lifecycle a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// 2025-11-25 and older: a session opened by `initialize`; the server may send requests.
    Initialize,
    /// 2026-07-28 and newer: every request stands alone and carries its own `_meta`.
    Stateless,
}

impl Lifecycle {
    /// The lifecycle of the request being handled, by its negotiated protocol version (the same
    /// test rmcp applies before it lets an `InputRequiredResult` through).
    pub(crate) fn of(context: &RequestContext<RoleServer>) -> Lifecycle {
        let stateless = context
            .protocol_version()
            .is_some_and(|version| version.as_str() >= ProtocolVersion::V_2026_07_28.as_str());
        if stateless {
            Lifecycle::Stateless
        } else {
            Lifecycle::Initialize
        }
    }
}

/// What a flow sees in one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Round<'a> {
    /// The call's arguments (tool arguments or prompt arguments).
    pub(crate) arguments: &'a JsonObject,
    /// The state the flow handed back with its last question, if any.
    pub(crate) state: Option<&'a Value>,
    /// The client's answers to the flow's last questions.
    pub(crate) answers: Answers<'a>,
    /// The capabilities the client declared (for the request, or for the session).
    pub(crate) client: &'a ClientCapabilities,
}

/// A flow's decision in one step.
#[derive(Debug)]
pub(crate) enum Step<T> {
    Done(T),
    /// Ask the client `requests` (by key) and come back with their answers and `state`.
    Ask {
        requests: InputRequests,
        state: Option<Value>,
    },
}

impl<T> Step<T> {
    /// Asks `requests` without state.
    pub(crate) fn ask(requests: impl IntoIterator<Item = (&'static str, InputRequest)>) -> Self {
        Step::Ask {
            requests: keyed(requests),
            state: None,
        }
    }

    /// Asks `requests` and carries `state` to the next step.
    pub(crate) fn ask_with_state(
        requests: impl IntoIterator<Item = (&'static str, InputRequest)>,
        state: Value,
    ) -> Self {
        Step::Ask {
            requests: keyed(requests),
            state: Some(state),
        }
    }
}

fn keyed(requests: impl IntoIterator<Item = (&'static str, InputRequest)>) -> InputRequests {
    requests
        .into_iter()
        .map(|(key, request)| (key.to_string(), request))
        .collect()
}

/// How a driven flow ended for this request.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    Done(T),
    /// 2026-07-28 only: the client must answer and retry.
    InputRequired(InputRequiredResult),
}

/// What a 2026-07-28 retry carries from the previous round.
#[derive(Debug, Default)]
pub(crate) struct Retry {
    pub(crate) input_responses: Option<InputResponses>,
    pub(crate) request_state: Option<String>,
}

/// Runs `flow` for the request in `context`; `scope` (the tool or prompt name) binds its
/// sealed state to it.
pub(crate) async fn drive<T>(
    seal: &Seal,
    scope: &str,
    arguments: &JsonObject,
    retry: Retry,
    context: &RequestContext<RoleServer>,
    flow: impl Fn(Round<'_>) -> Result<Step<T>, ErrorData>,
) -> Result<Outcome<T>, ErrorData> {
    let client = context.client_capabilities().unwrap_or_default();
    match Lifecycle::of(context) {
        Lifecycle::Stateless => {
            let state = match retry.request_state.as_deref() {
                None => None,
                Some(state) => Some(seal.open(scope, state).ok_or_else(|| {
                    ErrorData::invalid_params("requestState integrity check failed", None)
                })?),
            };
            let responses = retry.input_responses.unwrap_or_default();
            let round = Round {
                arguments,
                state: state.as_ref(),
                answers: Answers(&responses),
                client: &client,
            };
            match flow(round)? {
                Step::Done(done) => Ok(Outcome::Done(done)),
                Step::Ask { requests, state } => {
                    check_capabilities(&client, &requests)?;
                    let state = state.map(|state| seal.seal(scope, &state));
                    Ok(Outcome::InputRequired(InputRequiredResult::new(
                        Some(requests),
                        state,
                    )))
                }
            }
        }
        Lifecycle::Initialize => {
            // The state never leaves this loop, so it needs no seal here.
            let mut state: Option<Value> = None;
            let mut responses = InputResponses::new();
            for _ in 0..MAX_ROUNDS {
                let round = Round {
                    arguments,
                    state: state.as_ref(),
                    answers: Answers(&responses),
                    client: &client,
                };
                match flow(round)? {
                    Step::Done(done) => return Ok(Outcome::Done(done)),
                    Step::Ask {
                        requests,
                        state: next,
                    } => {
                        check_capabilities(&client, &requests)?;
                        responses = ask_client(context, requests).await?;
                        state = next;
                    }
                }
            }
            Err(ErrorData::internal_error(
                format!("{scope} kept asking for input after {MAX_ROUNDS} rounds"),
                None,
            ))
        }
    }
}

/// -32021 naming the first capability a request needs that the client did not declare.
fn check_capabilities(
    client: &ClientCapabilities,
    requests: &InputRequests,
) -> Result<(), ErrorData> {
    match requests
        .values()
        .find(|request| !inputs::client_supports(client, request))
    {
        Some(request) => Err(ErrorData::missing_required_client_capability(
            inputs::required_capability(request),
        )),
        None => Ok(()),
    }
}

/// Sends each request to the client (2025-11-25) and returns the answers by key.
async fn ask_client(
    context: &RequestContext<RoleServer>,
    requests: InputRequests,
) -> Result<InputResponses, ErrorData> {
    let mut answers = InputResponses::new();
    for (key, request) in requests {
        let (method, request) = match request {
            InputRequest::CreateMessage(request) => (
                "sampling/createMessage",
                ServerRequest::CreateMessageRequest(request),
            ),
            InputRequest::Elicitation(request) => {
                ("elicitation/create", ServerRequest::ElicitRequest(request))
            }
            InputRequest::ListRoots(request) => {
                ("roots/list", ServerRequest::ListRootsRequest(request))
            }
            other => {
                return Err(ErrorData::internal_error(
                    format!("no way to send input request {other:?} to a 2025-11-25 client"),
                    None,
                ));
            }
        };
        let failed = |error: &dyn std::fmt::Display| {
            ErrorData::internal_error(format!("the client did not answer {method}: {error}"), None)
        };
        let handle = context
            .peer
            .send_request_with_option(request, PeerRequestOptions::with_timeout(ANSWER_TIMEOUT))
            .await
            .map_err(|error| failed(&error))?;
        let answer = handle
            .await_response()
            .await
            .map_err(|error| failed(&error))?;
        let answer = serde_json::to_value(answer).map_err(|error| failed(&error))?;
        answers.insert(key, answer);
    }
    Ok(answers)
}
