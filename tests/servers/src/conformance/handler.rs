//! The conformance server's rmcp `ServerHandler`: capabilities, and each MCP method routed to
//! the file that owns it. A [`Conformance`] is one session's handler; [`Conformance::session`]
//! makes another that shares the server's state, which is how a streamable HTTP harness serves
//! many sessions (and 2026-07-28 requests, each its own) from one server.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, ErrorData,
    GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, LoggingLevel,
    PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig, SetLevelRequestMethod, SetLevelRequestParams,
    SubscribeRequestParams, SubscriptionFilter, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{RoleServer, ServerHandler};

use super::interactive::Interactive;
use super::lifecycle::Lifecycle;
use super::state::{Session, Shared};
use super::tools::Basic;
use super::{notify, prompts, resources, tools};

/// The conformance mode's handler: one per session, sharing one server's state. Not `Clone`:
/// a copy would share the session too; ask [`Conformance::session`] for another.
#[derive(Debug)]
pub struct Conformance {
    shared: Arc<Shared>,
    session: Arc<Session>,
    /// The protocol revisions it speaks; [`Conformance::up_to`] leaves the newest out, so a
    /// client's probe for 2026-07-28 falls back to `initialize`.
    versions: &'static [ProtocolVersion],
}

impl Conformance {
    /// A new server (its own request-state key, change feed and watched resource) and the
    /// handler of its first session.
    pub fn new() -> Conformance {
        Conformance {
            shared: Arc::new(Shared::new()),
            session: Arc::new(Session::new()),
            versions: ProtocolVersion::KNOWN_VERSIONS,
        }
    }

    /// A new server that speaks no revision newer than `newest` (a 2025-era server).
    pub fn up_to(newest: &ProtocolVersion) -> Conformance {
        Conformance {
            versions: ProtocolVersion::known_up_to(newest),
            ..Conformance::new()
        }
    }

    /// The handler of another session of the same server.
    pub fn session(&self) -> Conformance {
        Conformance {
            shared: Arc::clone(&self.shared),
            session: Arc::new(Session::new()),
            versions: self.versions,
        }
    }
}

impl Default for Conformance {
    fn default() -> Self {
        Conformance::new()
    }
}

impl ServerHandler for Conformance {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_resources_list_changed()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "fixture-conformance",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "Switchboard's fixture for the MCP conformance suite: the tools, resources and \
                 prompts its server scenarios call, on both the 2025-11-25 and 2026-07-28 \
                 lifecycles.",
            )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(self.versions)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        notify::forward_to_session(&self.shared, &self.session, context.peer);
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(tools::list())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::all().into_iter().find(|tool| tool.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        if let Some(tool) = Basic::named(name) {
            let arguments = request.arguments.clone().unwrap_or_default();
            let result = tool
                .call(&self.shared, &self.session, &arguments, &context)
                .await?;
            return Ok(result.into());
        }
        if let Some(tool) = Interactive::named(name) {
            return tool.call(&self.shared, request, &context).await;
        }
        Err(ErrorData::invalid_params(
            format!("unknown tool `{name}`"),
            None,
        ))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(prompts::list())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        prompts::get(&self.shared, request, &context).await
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        prompts::complete(&request)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(resources::list())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let revision = self.shared.watched_revision();
        resources::read(&request.uri, revision).map(Into::into)
    }

    /// 2025-11-25 subscriptions (rmcp refuses the method on 2026-07-28, where
    /// `subscriptions/listen` replaces it).
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if !resources::exists(&request.uri) {
            return Err(resources::not_found(&request.uri));
        }
        self.session.subscribe(&request.uri);
        self.shared.start_watch_timer();
        // A session served without `initialize` never saw `on_initialized`.
        notify::forward_to_session(&self.shared, &self.session, context.peer.clone());
        let message = format!("Subscribed to resource: {}", request.uri);
        notify::log(&context, &self.session, LoggingLevel::Info, &message).await;
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.session.unsubscribe(&request.uri);
        let message = format!("Unsubscribed from resource: {}", request.uri);
        notify::log(&context, &self.session, LoggingLevel::Info, &message).await;
        Ok(())
    }

    /// 2025-11-25 only: 2026-07-28 requests carry their level in `_meta` instead.
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if Lifecycle::of(&context) == Lifecycle::Stateless {
            return Err(ErrorData::method_not_found::<SetLevelRequestMethod>());
        }
        self.session.set_log_level(request.level);
        let level = serde_json::to_value(request.level).unwrap_or_default();
        let message = format!("Log level set to: {}", level.as_str().unwrap_or("?"));
        notify::log(&context, &self.session, LoggingLevel::Info, &message).await;
        Ok(())
    }

    /// Everything asked for; rmcp narrows it to what `get_info` advertises.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.clone())
    }

    async fn listen(&self, subscription: SubscriptionContext) -> Result<(), ErrorData> {
        notify::listen(&self.shared, subscription).await;
        Ok(())
    }
}
