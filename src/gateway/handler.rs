//! Our rmcp `ServerHandler`: one [`Session`] per connected client, backed by its workspace.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rmcp::model::SubscriptionFilter;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer, SubscriptionContext};
use rmcp::{ErrorData, ServerHandler};
use tokio::sync::broadcast::error::RecvError;

use crate::gateway::tools::{self, MetaTool};
use crate::gateway::workspaces::SessionScope;
use crate::gateway::{Workspace, WorkspaceSource};

const INSTRUCTIONS: &str = "Switchboard gives you on-demand access to a catalog of MCP servers. \
When you need a capability you do not have, call mcp-find with a description of the need, then \
mcp-add with the best result's name; its tools then appear in your tool list (or call them through \
mcp-exec). Call mcp-remove when you are done with a server.";

/// Client-to-server request methods of the MCP revisions we serve; a custom request naming one
/// of them had params rmcp could not read.
const KNOWN_METHODS: [&str; 17] = [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
    "subscriptions/listen",
    "tasks/get",
    "tasks/cancel",
];

/// One client connection. Cheap to create (HTTP makes one per session or, for stateless
/// requests, per request): everything heavy is behind `Arc`s.
#[derive(Debug, Clone)]
pub struct Session {
    source: WorkspaceSource,
    /// What lives as long as this session (its own workspace, if it has one; its background
    /// tasks); shared by clones and ended when the last one is dropped.
    scope: Arc<SessionScope>,
    id: u64,
}

impl Session {
    pub fn new(source: WorkspaceSource) -> Session {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Session {
            source,
            scope: Arc::default(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The workspace of the request; over HTTP it follows the caller's token, never the
    /// session id, so a session id cannot open another identity's workspace.
    fn workspace(&self, extensions: &rmcp::model::Extensions) -> Result<Arc<Workspace>, ErrorData> {
        self.source
            .resolve(extensions, &self.scope, self.id)
            .ok_or_else(|| {
                ErrorData::invalid_request(
                    "this request has no workspace: its token was revoked, or it carries no authenticated identity",
                    None,
                )
            })
    }
}

impl ServerHandler for Session {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
        .with_server_info(Implementation::new(
            "switchboard",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        workspace.ready().await;
        let mut tools = workspace.gateway().meta_tools().to_vec();
        tools.extend(workspace.tools());
        Ok(ListToolsResult::with_all_items(tools))
    }

    #[tracing::instrument(skip_all, fields(tool = %request.name, session = self.id))]
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        let work = async {
            workspace.ready().await;
            if let Some(meta) = MetaTool::parse(&request.name) {
                let cx = tools::Context {
                    workspace: &workspace,
                    session: self.id,
                    peer: &context.peer,
                };
                return CallToolResponse::Complete(meta.call(&cx, request.arguments).await);
            }
            match workspace.call(&request.name, request.arguments).await {
                Ok(response) => response,
                Err(error) => CallToolResponse::Complete(tools::call_failure(&error)),
            }
        };
        // A panic below (ours or a library's) must not leave the client waiting forever: it
        // becomes an error reply, and the gateway keeps serving.
        let work = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(work));
        // A cancelled request drops `work`, which cancels the upstream call in turn.
        tokio::select! {
            response = work => response.map_err(|_| {
                tracing::error!("a tool call panicked; answered with an internal error");
                ErrorData::internal_error("the gateway failed while handling this call", None)
            }),
            () = context.ct.cancelled() => Err(ErrorData::internal_error("the request was cancelled", None)),
        }
    }

    /// Requests rmcp could not read as the method they name come here, along with unknown
    /// methods: known methods with bad params get -32602 (invalid params), as JSON-RPC asks.
    async fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CustomResult, ErrorData> {
        let method = request.method.as_str();
        if KNOWN_METHODS.contains(&method) {
            return Err(ErrorData::invalid_params(
                format!("invalid params for `{method}`; see the MCP specification for its shape"),
                None,
            ));
        }
        Err(ErrorData::new(
            rmcp::model::ErrorCode::METHOD_NOT_FOUND,
            format!("method not found: `{method}`"),
            None,
        ))
    }

    /// Protocol 2026-07-28 has no sessions: clients learn of tool-list changes by listening.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.supported_by(&self.get_info().capabilities))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let workspace = self.workspace(&context.request_context().extensions)?;
        let mut changes = workspace.subscribe();
        let closing = workspace.closing();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                // A revoked token's listener must not outlive its workspace.
                () = closing.cancelled() => return Ok(()),
                change = changes.recv() => match change {
                    Ok(_) | Err(RecvError::Lagged(_)) => {
                        if context.sink().notify_tool_list_changed().await.is_err() {
                            return Ok(());
                        }
                    }
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
        }
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let Ok(workspace) = self.workspace(&context.extensions) else {
            return;
        };
        // The servers it starts with begin starting now; the first tools/list waits for them.
        workspace.start_preload();
        let mut changes = workspace.subscribe();
        let peer = context.peer;
        let session = self.id;
        let ended = self.scope.ended();
        let count = workspace.gateway().metrics.session_opened();
        // Forwards changes made by the workspace's other sessions; ends with the session.
        tokio::spawn(async move {
            let _count = count;
            loop {
                let change = tokio::select! {
                    () = ended.cancelled() => break,
                    change = changes.recv() => change,
                };
                match change {
                    Ok(origin) if origin == session => continue,
                    Ok(_) | Err(RecvError::Lagged(_)) => {
                        if peer.notify_tool_list_changed().await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        });
    }
}
