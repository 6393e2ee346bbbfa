//! Questions from a 2025-era server to a 2026-07-28 client. Such a server asks in the middle of
//! a call (`sampling/createMessage`, `elicitation/create`, `roots/list`) and waits for the
//! answer; a 2026-07-28 client takes questions only as an input-required result and answers by
//! sending its request again. So the gateway keeps the server's call running, answers the
//! client's request with the question and a `requestState` naming the held call, and when the
//! request comes back with the answer, hands it to the server and waits for what comes next:
//! the result, or another question.
//!
//! Held calls belong to their workspace (a tenant cannot name another's) and are dropped,
//! cancelling the server's call, when the client does not come back within [`HOLD_FOR`].
#![allow(
    deprecated,
    reason = "sampling, roots and logging are deprecated by SEP-2577 but 2025-era servers use them"
)]

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::ErrorData;
use rmcp::model::{
    ClientCapabilities, CreateMessageResult, ElicitResult, InputRequest, InputRequiredResult,
    ListRootsResult, LoggingLevel, ProgressNotificationParam,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::gateway::caller::SessionCaller;
use crate::gateway::inputs::{Failure, MaybeInput, Retry};
use crate::gateway::workspace::CallError;
use crate::upstream::{Answer, Ask, Caller};

/// How long a held call waits for the client to come back with its answer (a person may be
/// filling in a form).
pub(crate) const HOLD_FOR: Duration = Duration::from_secs(600);

/// Calls held at once per workspace; beyond that a question fails at once, so a client that
/// never comes back cannot pile up server calls.
const MAX_HELD: usize = 64;

/// What starts a `requestState` the gateway issued; any other state is a server's own and is
/// passed on untouched.
const STATE_PREFIX: &str = "switchboard-held:";

/// A workspace's held calls, by the token in their `requestState`.
#[derive(Default)]
pub(crate) struct Holds {
    held: Mutex<HashMap<String, Held>>,
}

impl std::fmt::Debug for Holds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Holds")
            .field("held", &self.lock().len())
            .finish()
    }
}

/// A call waiting for the client's answer.
struct Held {
    /// The rest of the call: a `Running<R>` for the request's response type.
    running: Box<dyn Any + Send>,
    /// Where the answer goes; the server's request waits on it.
    reply: oneshot::Sender<Result<Answer, ErrorData>>,
    /// What was asked, to read the answer as.
    asked: Asked,
}

#[derive(Debug, Clone, Copy)]
enum Asked {
    Sampling,
    Elicitation,
    Roots,
}

impl Asked {
    /// The key of the question in `inputRequests`, and of its answer in `inputResponses`.
    fn key(self) -> &'static str {
        match self {
            Asked::Sampling => "sampling",
            Asked::Elicitation => "elicitation",
            Asked::Roots => "roots",
        }
    }

    fn read(self, answer: serde_json::Value) -> Result<Answer, serde_json::Error> {
        Ok(match self {
            Asked::Sampling => {
                Answer::Sampling(serde_json::from_value::<CreateMessageResult>(answer)?)
            }
            Asked::Elicitation => {
                Answer::Elicitation(serde_json::from_value::<ElicitResult>(answer)?)
            }
            Asked::Roots => Answer::Roots(serde_json::from_value::<ListRootsResult>(answer)?),
        })
    }
}

/// A server's question on its way to the client, with where the answer goes.
struct Question {
    ask: Ask,
    reply: oneshot::Sender<Result<Answer, ErrorData>>,
}

/// The [`Caller`] of a call that may be held: progress goes to whichever request of the client
/// is current, and questions come out as [`Question`]s.
struct Holding {
    current: Mutex<Arc<SessionCaller>>,
    questions: mpsc::UnboundedSender<Question>,
}

impl Holding {
    fn current(&self) -> Arc<SessionCaller> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Caller for Holding {
    fn capabilities(&self) -> ClientCapabilities {
        self.current().capabilities()
    }

    fn log_level(&self) -> Option<LoggingLevel> {
        self.current().log_level()
    }

    fn progress(&self, progress: ProgressNotificationParam) -> BoxFuture<'static, ()> {
        self.current().progress(progress)
    }

    fn ask(&self, ask: Ask) -> BoxFuture<'static, Result<Answer, ErrorData>> {
        let caller = self.current();
        if !caller.can(&ask) {
            // The client's own words for it, at once.
            return async move { caller.put(ask).await }.boxed();
        }
        let (reply, answer) = oneshot::channel();
        let sent = self.questions.send(Question { ask, reply });
        async move {
            if sent.is_err() {
                return Err(ErrorData::internal_error(
                    "the client's request ended before the question could reach it",
                    None,
                ));
            }
            match tokio::time::timeout(HOLD_FOR, answer).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(ErrorData::internal_error(
                    "the client did not come back with an answer; the question was withdrawn",
                    None,
                )),
                Err(_) => Err(ErrorData::internal_error(
                    format!("the client did not answer within {} s", HOLD_FOR.as_secs()),
                    None,
                )),
            }
        }
        .boxed()
    }
}

/// A forwarded call in its own task, so it can outlive the request that started it.
struct Running<R> {
    call: JoinHandle<Result<R, CallError>>,
    questions: mpsc::UnboundedReceiver<Question>,
    caller: Arc<Holding>,
}

impl<R> Drop for Running<R> {
    fn drop(&mut self) {
        // Nobody waits for it any more: the server's call is cancelled with the task.
        self.call.abort();
    }
}

enum Next<R> {
    Done(Result<R, Failure>),
    Asked(Question),
}

impl<R: Send + 'static> Running<R> {
    async fn next(&mut self) -> Next<R> {
        tokio::select! {
            biased;
            done = &mut self.call => Next::Done(match done {
                Ok(result) => result.map_err(Failure::Call),
                Err(_) => Err(Failure::Input(ErrorData::internal_error(
                    "the gateway failed while forwarding this request",
                    None,
                ))),
            }),
            Some(question) = self.questions.recv() => Next::Asked(question),
        }
    }
}

impl Holds {
    /// Forwards `params` for a 2026-07-28 client, or carries on with the call its
    /// `requestState` names: the response is the result, or the server's next question.
    pub(crate) async fn forward<P, R, F, Fut>(
        self: &Arc<Self>,
        caller: Arc<SessionCaller>,
        mut params: P,
        send: F,
    ) -> Result<R, Failure>
    where
        P: Retry,
        R: MaybeInput + Send + 'static,
        F: FnOnce(P, Arc<dyn Caller>) -> Fut,
        Fut: Future<Output = Result<R, CallError>> + Send + 'static,
    {
        let mut running = match params.state().and_then(|s| s.strip_prefix(STATE_PREFIX)) {
            Some(token) => {
                let token = token.to_string();
                self.resume::<R>(&token, caller, params.take_responses())
                    .map_err(Failure::Input)?
            }
            None => {
                let (questions, asked) = mpsc::unbounded_channel();
                let holding = Arc::new(Holding {
                    current: Mutex::new(caller),
                    questions,
                });
                // In the request's span, so the call's logs keep its tool and session.
                let call = tokio::spawn(send(params, holding.clone()).in_current_span());
                Running {
                    call,
                    questions: asked,
                    caller: holding,
                }
            }
        };
        match running.next().await {
            Next::Done(result) => result,
            Next::Asked(Question { ask, reply }) => {
                let asked = match &ask {
                    Ask::Sampling(_) => Asked::Sampling,
                    Ask::Elicitation(_) => Asked::Elicitation,
                    Ask::Roots => Asked::Roots,
                };
                let request = input_request(&ask).map_err(Failure::Input)?;
                let held = Held {
                    running: Box::new(running),
                    reply,
                    asked,
                };
                let token = self.hold(held).map_err(Failure::Input)?;
                let requests = BTreeMap::from([(asked.key().to_string(), request)]);
                let state = format!("{STATE_PREFIX}{token}");
                Ok(R::asking(InputRequiredResult::new(
                    Some(requests),
                    Some(state),
                )))
            }
        }
    }

    /// Hands the client's answer to the held call `token` names; its rest, from now on
    /// reporting to `caller`.
    fn resume<R: Send + 'static>(
        &self,
        token: &str,
        caller: Arc<SessionCaller>,
        mut responses: rmcp::model::InputResponses,
    ) -> Result<Running<R>, ErrorData> {
        let held = self.lock().remove(token).ok_or_else(|| {
            ErrorData::invalid_params(
                "requestState names no call waiting for an answer (it was answered already, or \
                 waited longer than the gateway holds a call); send the request again without it",
                None,
            )
        })?;
        let running = held.running.downcast::<Running<R>>().map_err(|_| {
            ErrorData::invalid_params("requestState belongs to a request of another kind", None)
        })?;
        let key = held.asked.key();
        let answer = responses.remove(key).ok_or_else(|| {
            ErrorData::invalid_params(format!("inputResponses lacks `{key}`"), None)
        });
        let answer = answer.and_then(|value| {
            held.asked.read(value).map_err(|e| {
                ErrorData::invalid_params(format!("inputResponses `{key}` is malformed: {e}"), None)
            })
        });
        // A missing or malformed answer goes to the server as the error it is; the client then
        // gets what the server makes of it, as it would had it answered directly.
        *running
            .caller
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = caller;
        let _ = held.reply.send(answer);
        Ok(*running)
    }

    /// Keeps `held` until the client comes back or [`HOLD_FOR`] passes; its token.
    fn hold(self: &Arc<Self>, held: Held) -> Result<String, ErrorData> {
        let token = new_token()?;
        {
            let mut table = self.lock();
            if table.len() >= MAX_HELD {
                return Err(ErrorData::internal_error(
                    format!(
                        "{MAX_HELD} calls are already waiting for this client's answers; answer those first"
                    ),
                    None,
                ));
            }
            table.insert(token.clone(), held);
        }
        let holds: Weak<Holds> = Arc::downgrade(self);
        let expired = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(HOLD_FOR).await;
            if let Some(holds) = holds.upgrade() {
                // Dropping it cancels the server's call.
                let dropped = holds.lock().remove(&expired);
                if dropped.is_some() {
                    tracing::debug!("a held call was not answered in time and was dropped");
                }
            }
        });
        Ok(token)
    }

    /// Drops every held call (the workspace closes).
    pub(crate) fn clear(&self) {
        let held = std::mem::take(&mut *self.lock());
        drop(held);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The question as an `inputRequests` entry.
fn input_request(ask: &Ask) -> Result<InputRequest, ErrorData> {
    let request = match ask {
        Ask::Sampling(params) => {
            serde_json::json!({ "method": "sampling/createMessage", "params": params })
        }
        Ask::Elicitation(params) => {
            serde_json::json!({ "method": "elicitation/create", "params": params })
        }
        Ask::Roots => serde_json::json!({ "method": "roots/list" }),
    };
    serde_json::from_value(request)
        .map_err(|e| ErrorData::internal_error(format!("encoding the question: {e}"), None))
}

/// 128 random bits, hex.
fn new_token() -> Result<String, ErrorData> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        ErrorData::internal_error(format!("no randomness for a request state: {e}"), None)
    })?;
    Ok(crate::store::hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_go_out_as_input_requests_of_their_kind() {
        let wire = |ask: &Ask| serde_json::to_value(input_request(ask).unwrap()).unwrap();
        assert_eq!(wire(&Ask::Roots)["method"], "roots/list");
        let form: rmcp::model::ElicitRequestParams = serde_json::from_value(serde_json::json!({
            "message": "Who?",
            "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
        }))
        .unwrap();
        let asked = wire(&Ask::Elicitation(form));
        assert_eq!(asked["method"], "elicitation/create");
        assert_eq!(asked["params"]["message"], "Who?");
    }

    #[test]
    fn answers_are_read_as_what_was_asked() {
        let roots = serde_json::json!({"roots": [{"uri": "file:///w"}]});
        assert!(matches!(Asked::Roots.read(roots), Ok(Answer::Roots(_))));
        let accepted = serde_json::json!({"action": "accept", "content": {"name": "ada"}});
        assert!(matches!(
            Asked::Elicitation.read(accepted),
            Ok(Answer::Elicitation(_))
        ));
        assert!(
            Asked::Sampling
                .read(serde_json::json!({"nonsense": 1}))
                .is_err()
        );
    }

    #[test]
    fn tokens_are_fresh_128_bit_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
