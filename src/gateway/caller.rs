//! The client session behind a forwarded request, as the upstream side needs it: where the
//! request's progress goes, and who answers the questions a server asks meanwhile. A 2025-era
//! session is asked directly (`sampling/createMessage`, `elicitation/create`, `roots/list`) if
//! it declared the capability; otherwise the server gets an error at once, never a hang. A
//! 2026-07-28 client is asked through a held call (`hold.rs`).
#![allow(
    deprecated,
    reason = "sampling and roots are deprecated by SEP-2577 but in use"
)]

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::ErrorData;
use rmcp::model::{ClientCapabilities, ProgressNotificationParam, ProtocolVersion};
use rmcp::service::{Peer, RequestContext, RoleServer, ServiceError};

use crate::gateway::logging::Level;
use crate::upstream::{Answer, Ask, Caller};

/// One client request that was forwarded.
#[derive(Debug, Clone)]
pub(crate) struct SessionCaller {
    peer: Peer<RoleServer>,
    capabilities: ClientCapabilities,
    /// A 2026-07-28 client: it takes questions only as input-required results.
    stateless: bool,
    log_level: Option<Level>,
}

impl SessionCaller {
    /// The client of the request `context` is about; `session_level` is the log level its
    /// session asked for (a 2026-07-28 client says it in each request instead).
    pub(crate) fn of(
        context: &RequestContext<RoleServer>,
        session_level: Option<Level>,
    ) -> Arc<SessionCaller> {
        let stateless = context
            .protocol_version()
            .is_some_and(|version| version >= ProtocolVersion::V_2026_07_28);
        Arc::new(SessionCaller {
            peer: context.peer.clone(),
            capabilities: context.client_capabilities().unwrap_or_default(),
            stateless,
            log_level: if stateless {
                context.meta.log_level()
            } else {
                session_level
            },
        })
    }

    /// Whether the client takes input-required results itself (2026-07-28 and later).
    pub(crate) fn is_stateless(&self) -> bool {
        self.stateless
    }

    /// Whether the client declared what answering `ask` needs.
    pub(crate) fn can(&self, ask: &Ask) -> bool {
        match ask {
            Ask::Sampling(_) => self.capabilities.sampling.is_some(),
            Ask::Elicitation(_) => self.capabilities.elicitation.is_some(),
            Ask::Roots => self.capabilities.roots.is_some(),
        }
    }

    /// Puts `ask` to the client and waits for its answer. A 2026-07-28 client is asked
    /// through a held call instead (`hold.rs`); reaching here, it is asked by a call that
    /// cannot be held (one `mcp-exec` makes).
    pub(crate) async fn put(&self, ask: Ask) -> Result<Answer, ErrorData> {
        if !self.can(&ask) {
            return Err(ErrorData::invalid_request(
                format!(
                    "the client did not declare the `{}` capability, so it cannot answer this request",
                    ask.capability()
                ),
                None,
            ));
        }
        if self.stateless {
            return Err(ErrorData::invalid_request(
                format!(
                    "the client speaks MCP 2026-07-28, which takes {} questions only as input-required results, and this call cannot return one; call the tool directly",
                    ask.capability()
                ),
                None,
            ));
        }
        let answered = match ask {
            Ask::Sampling(params) => self.peer.create_message(params).await.map(Answer::Sampling),
            Ask::Elicitation(params) => self
                .peer
                .create_elicitation(params)
                .await
                .map(Answer::Elicitation),
            Ask::Roots => self.peer.list_roots().await.map(Answer::Roots),
        };
        answered.map_err(|error| match error {
            ServiceError::McpError(error) => error,
            other => ErrorData::internal_error(format!("asking the client failed: {other}"), None),
        })
    }
}

impl Caller for SessionCaller {
    fn capabilities(&self) -> ClientCapabilities {
        self.capabilities.clone()
    }

    fn log_level(&self) -> Option<Level> {
        self.log_level
    }

    fn progress(&self, progress: ProgressNotificationParam) -> BoxFuture<'static, ()> {
        let peer = self.peer.clone();
        async move {
            if let Err(error) = peer.notify_progress(progress).await {
                tracing::debug!(error = %error, "could not pass progress on to the client");
            }
        }
        .boxed()
    }

    fn ask(&self, ask: Ask) -> BoxFuture<'static, Result<Answer, ErrorData>> {
        let caller = self.clone();
        async move { caller.put(ask).await }.boxed()
    }
}
