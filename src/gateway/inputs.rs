//! Input-required results (SEP-2322) for clients that cannot take them. A 2026-07-28 server
//! answers a request it needs the user for with the questions instead of a result; a
//! 2026-07-28 client gets that result as it is and retries itself. A 2025-era session cannot,
//! so the gateway asks it each question the old way and retries for it, for a few rounds.
//! The other way round, a 2025-era server asking a 2026-07-28 client, is `hold.rs`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    InputRequest, InputRequests, InputRequiredResult, InputResponses, ReadResourceRequestParams,
    ReadResourceResponse,
};

use crate::gateway::caller::SessionCaller;
use crate::gateway::hold::Holds;
use crate::gateway::workspace::CallError;
use crate::upstream::{Answer, Ask, Caller};

/// A request that can be sent again with answers (`tools/call`, `prompts/get`,
/// `resources/read`).
pub(crate) trait Retry: Clone + Send + 'static {
    fn answered(&mut self, responses: InputResponses, state: Option<String>);
    /// The `requestState` the client sent back, if any.
    fn state(&self) -> Option<&str>;
    /// The answers the client sent, taken out.
    fn take_responses(&mut self) -> InputResponses;
}

/// A response that may be a set of questions instead of the result.
pub(crate) trait MaybeInput: Sized {
    fn questions(self) -> Result<InputRequiredResult, Self>;
    /// The response that asks `input` instead.
    fn asking(input: InputRequiredResult) -> Self;
}

macro_rules! retry {
    ($params:ident, $response:ident) => {
        impl Retry for $params {
            fn answered(&mut self, responses: InputResponses, state: Option<String>) {
                self.input_responses = Some(responses);
                self.request_state = state;
            }
            fn state(&self) -> Option<&str> {
                self.request_state.as_deref()
            }
            fn take_responses(&mut self) -> InputResponses {
                self.input_responses.take().unwrap_or_default()
            }
        }
        impl MaybeInput for $response {
            fn questions(self) -> Result<InputRequiredResult, Self> {
                match self {
                    $response::InputRequired(input) => Ok(input),
                    other => Err(other),
                }
            }
            fn asking(input: InputRequiredResult) -> Self {
                $response::InputRequired(input)
            }
        }
    };
}

retry!(CallToolRequestParams, CallToolResponse);
retry!(GetPromptRequestParams, GetPromptResponse);
retry!(ReadResourceRequestParams, ReadResourceResponse);

/// Why a request driven through questions failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Forwarding it failed.
    Call(CallError),
    /// A question could not be answered, or there were too many.
    Input(ErrorData),
}

/// Forwards a request that may need the user's input: a 2026-07-28 client gets questions as
/// input-required results, whichever era the server is (`holds` keeps the calls of 2025-era
/// servers that asked); a 2025-era client is asked by the gateway ([`drive`]).
pub(crate) async fn forward<P, R, F, Fut>(
    holds: &Arc<Holds>,
    caller: &Arc<SessionCaller>,
    params: P,
    send: F,
) -> Result<R, Failure>
where
    P: Retry,
    R: MaybeInput + Send + 'static,
    F: Fn(P, Arc<dyn Caller>) -> Fut,
    Fut: Future<Output = Result<R, CallError>> + Send + 'static,
{
    if caller.is_stateless() {
        // Boxed, as the questions below: rare paths kept out of every call's future.
        return Box::pin(holds.forward(caller.clone(), params, send)).await;
    }
    drive(caller, params, |params| send(params, caller.clone())).await
}

/// Sends `params` with `send`; for a client that cannot take input-required results, answers
/// each round of questions by asking the client and sends again with the answers. A 2026-07-28
/// client gets the first response as it is.
pub(crate) async fn drive<P, R, F, Fut>(
    caller: &SessionCaller,
    mut params: P,
    mut send: F,
) -> Result<R, Failure>
where
    P: Retry,
    R: MaybeInput,
    F: FnMut(P) -> Fut,
    Fut: Future<Output = Result<R, CallError>>,
{
    for _ in 0..=MAX_ROUNDS {
        let response = send(params.clone()).await.map_err(Failure::Call)?;
        if caller.is_stateless() {
            return Ok(response);
        }
        let input = match response.questions() {
            Ok(input) => input,
            Err(response) => return Ok(response),
        };
        let responses = Box::pin(answer(caller, input.input_requests.unwrap_or_default()))
            .await
            .map_err(Failure::Input)?;
        params.answered(responses, input.request_state);
    }
    Err(Failure::Input(too_many_rounds()))
}

/// Rounds of questions the gateway answers for one request before it gives up (rmcp's own
/// client stops at the same number).
pub(crate) const MAX_ROUNDS: usize = rmcp::model::DEFAULT_MRTR_MAX_ROUNDS;

/// Puts every question of `requests` to the client and returns its answers by key; a question
/// it cannot answer fails the request.
async fn answer(
    caller: &SessionCaller,
    requests: InputRequests,
) -> Result<InputResponses, ErrorData> {
    let mut answers = BTreeMap::new();
    for (key, request) in requests {
        let ask = match request {
            InputRequest::CreateMessage(request) => Ask::Sampling(request.params),
            InputRequest::Elicitation(request) => Ask::Elicitation(request.params),
            InputRequest::ListRoots(_) => Ask::Roots,
            _ => {
                return Err(ErrorData::invalid_request(
                    format!(
                        "the server asked `{key}` of a kind the gateway cannot put to a client"
                    ),
                    None,
                ));
            }
        };
        let answer = match caller.put(ask).await? {
            Answer::Sampling(result) => serde_json::to_value(result),
            Answer::Elicitation(result) => serde_json::to_value(result),
            Answer::Roots(result) => serde_json::to_value(result),
        }
        .map_err(|e| ErrorData::internal_error(format!("encoding an answer: {e}"), None))?;
        answers.insert(key, answer);
    }
    Ok(answers)
}

/// The error a client gets when a server keeps asking.
fn too_many_rounds() -> ErrorData {
    ErrorData::internal_error(
        format!(
            "the server still needed input after {MAX_ROUNDS} rounds of questions; the request was abandoned"
        ),
        None,
    )
}
