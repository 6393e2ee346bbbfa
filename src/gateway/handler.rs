//! Our rmcp `ServerHandler`: one [`Session`] per connected client, backed by its workspace.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler};
use tokio::sync::broadcast::error::RecvError;

use crate::gateway::Workspace;
use crate::gateway::tools::{self, MetaTool};

const INSTRUCTIONS: &str = "Switchboard gives you on-demand access to a catalog of MCP servers. \
When you need a capability you do not have, call mcp-find with a description of the need, then \
mcp-add with the best result's name; its tools then appear in your tool list (or call them through \
mcp-exec). Call mcp-remove when you are done with a server.";

/// One client connection. Cheap to create: everything heavy is behind the workspace's `Arc`.
#[derive(Debug, Clone)]
pub struct Session {
    workspace: Arc<Workspace>,
    id: u64,
}

impl Session {
    pub fn new(workspace: Arc<Workspace>) -> Session {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Session {
            workspace,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
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
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = self.workspace.gateway().meta_tools().to_vec();
        tools.extend(self.workspace.tools());
        Ok(ListToolsResult::with_all_items(tools))
    }

    #[tracing::instrument(skip_all, fields(tool = %request.name, session = self.id))]
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let work = async {
            if let Some(meta) = MetaTool::parse(&request.name) {
                let cx = tools::Context {
                    workspace: &self.workspace,
                    session: self.id,
                    peer: &context.peer,
                };
                return CallToolResponse::Complete(meta.call(&cx, request.arguments).await);
            }
            match self.workspace.call(&request.name, request.arguments).await {
                Ok(response) => response,
                Err(error) => CallToolResponse::Complete(tools::call_failure(&error)),
            }
        };
        // A cancelled request drops `work`, which cancels the upstream call in turn.
        tokio::select! {
            response = work => Ok(response),
            () = context.ct.cancelled() => Err(ErrorData::internal_error("the request was cancelled", None)),
        }
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let mut changes = self.workspace.subscribe();
        let peer = context.peer;
        let session = self.id;
        // Forwards changes made by the workspace's other sessions; ends with the session.
        tokio::spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(origin) if origin == session => continue,
                    Ok(_) | Err(RecvError::Lagged(_)) => {
                        if peer.notify_tool_list_changed().await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Closed) => break,
                }
                if peer.is_transport_closed() {
                    break;
                }
            }
        });
    }
}
