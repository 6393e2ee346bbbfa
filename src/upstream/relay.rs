//! What flows from a server back towards clients, and the seams it flows through. `upstream/`
//! never knows which client session asks, so the gateway hands each connection a [`Relay`]
//! (for what concerns the whole workspace: list changes, resource updates, log lines) and each
//! forwarded request a [`Caller`] (for what concerns that request: its progress, and the
//! questions the server asks while it runs).
#![allow(
    deprecated,
    reason = "sampling, roots and logging are deprecated by SEP-2577 but 2025-era servers and clients use them"
)]

use futures::future::BoxFuture;
use rmcp::ErrorData;
use rmcp::model::{
    CreateMessageRequestParams, CreateMessageResult, ElicitRequestParams, ElicitResult,
    ListRootsResult, LoggingMessageNotificationParam, ProgressNotificationParam, Prompt, Resource,
    ResourceTemplate, Tool,
};

/// Everything one server offers, as it listed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offer {
    pub tools: Vec<Tool>,
    pub prompts: Vec<Prompt>,
    pub resources: Vec<Resource>,
    pub templates: Vec<ResourceTemplate>,
}

/// A list a server can say changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Tools,
    Prompts,
    Resources,
}

/// Where a connection's server-wide messages go.
pub trait Relay: Send + Sync + 'static {
    /// The server says a list of what it offers changed.
    fn changed(&self, list: Listed);
    /// A resource someone subscribed to changed (`uri` as the server knows it).
    fn resource_updated(&self, uri: String);
    /// A log line from the server.
    fn log(&self, message: LoggingMessageNotificationParam);
}

/// A question a server asks its client while a request runs.
#[derive(Debug, Clone)]
pub enum Ask {
    Sampling(CreateMessageRequestParams),
    Elicitation(ElicitRequestParams),
    Roots,
}

impl Ask {
    /// The client capability answering it needs, as the spec names it.
    pub fn capability(&self) -> &'static str {
        match self {
            Ask::Sampling(_) => "sampling",
            Ask::Elicitation(_) => "elicitation",
            Ask::Roots => "roots",
        }
    }
}

/// The client's answer to an [`Ask`].
#[derive(Debug, Clone)]
pub enum Answer {
    Sampling(CreateMessageResult),
    Elicitation(ElicitResult),
    Roots(ListRootsResult),
}

/// The client a forwarded request came from.
pub trait Caller: Send + Sync + 'static {
    /// What the client can answer (a 2026-07-28 server is told per request).
    fn capabilities(&self) -> rmcp::model::ClientCapabilities;
    /// The log level the client asked for, if any (a 2026-07-28 server is told per request).
    fn log_level(&self) -> Option<rmcp::model::LoggingLevel>;
    /// Progress of the request, already under the client's own progress token.
    fn progress(&self, progress: ProgressNotificationParam) -> BoxFuture<'static, ()>;
    /// Puts the server's question to the client; an error (such as a missing capability) goes
    /// back to the server as the answer.
    fn ask(&self, ask: Ask) -> BoxFuture<'static, Result<Answer, ErrorData>>;
}
