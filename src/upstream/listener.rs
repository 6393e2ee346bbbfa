//! Our side of the MCP session with a server: who we are (a client that can answer sampling,
//! elicitation and roots, because the clients behind us may), and what the server sends us
//! passed on. List changes, resource updates and log lines go to the workspace's [`Relay`];
//! progress and questions go to the client of the request they belong to ([`Calls`]).
#![allow(
    deprecated,
    reason = "sampling, roots and logging are deprecated by SEP-2577 but 2025-era servers and clients use them"
)]

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{
    ClientCapabilities, ClientConfig, CreateMessageRequestParams, CreateMessageResult,
    ElicitRequestParams, ElicitResult, Implementation, ListRootsResult,
    LoggingMessageNotificationParam, ProgressNotificationParam, ResourceUpdatedNotificationParam,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient};

use crate::upstream::calls::Calls;
use crate::upstream::relay::{Answer, Ask, Listed, Relay};

pub(crate) struct Listener {
    pub(crate) relay: Arc<dyn Relay>,
    pub(crate) calls: Arc<Calls>,
}

/// What we tell servers about ourselves.
pub(crate) fn client_config() -> ClientConfig {
    // Sampling and roots are deprecated by SEP-2577 but still what 2025-era servers ask for;
    // whether a question can be answered is decided per client, when it is asked.
    #[allow(deprecated)]
    let capabilities = ClientCapabilities::builder()
        .enable_sampling()
        .enable_roots()
        .enable_elicitation()
        .build();
    ClientConfig::new(
        capabilities,
        Implementation::new("switchboard", env!("CARGO_PKG_VERSION")),
    )
}

impl Listener {
    async fn ask(&self, ask: Ask) -> Result<Answer, ErrorData> {
        match self.calls.oldest() {
            Some(caller) => caller.ask(ask).await,
            None => Err(ErrorData::invalid_request(
                format!(
                    "no client request is in flight through the gateway to answer this {} request",
                    ask.capability()
                ),
                None,
            )),
        }
    }
}

fn mismatch() -> ErrorData {
    ErrorData::internal_error("the client's answer was of another kind", None)
}

impl rmcp::ClientHandler for Listener {
    fn get_info(&self) -> ClientConfig {
        client_config()
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        match self.ask(Ask::Sampling(params)).await? {
            Answer::Sampling(result) => Ok(result),
            _ => Err(mismatch()),
        }
    }

    async fn create_elicitation(
        &self,
        params: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        match self.ask(Ask::Elicitation(params)).await? {
            Answer::Elicitation(result) => Ok(result),
            _ => Err(mismatch()),
        }
    }

    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<ListRootsResult, ErrorData> {
        match self.ask(Ask::Roots).await? {
            Answer::Roots(result) => Ok(result),
            _ => Err(mismatch()),
        }
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.calls.progress(params).await;
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.relay.log(params);
    }

    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.relay.resource_updated(params.uri);
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.relay.changed(Listed::Tools);
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.relay.changed(Listed::Prompts);
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.relay.changed(Listed::Resources);
    }
}
