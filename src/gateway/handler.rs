//! Our rmcp `ServerHandler`: one [`Session`] per connected client, backed by its workspace.
//! The meta-tools are answered here; everything else a client asks of the servers it added
//! (tools, prompts, resources, completions, subscriptions, log levels) is forwarded by the
//! workspace. What sessions are told of later is in `handler/notify.rs`.

mod calls;
mod notify;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
    GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig, SubscribeRequestParams, SubscriptionFilter, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer, SubscriptionContext};
use rmcp::{ErrorData, ServerHandler};

use crate::calllog::{Call, CallKind, InFlight, Outcome};
use crate::gateway::caller::SessionCaller;
use crate::gateway::inputs::{self, Failure};
use crate::gateway::tools::{self, MetaTool};
use crate::gateway::workspace::CallError;
use crate::gateway::workspaces::SessionScope;
use crate::gateway::{Workspace, WorkspaceSource};
use crate::upstream::Caller;

pub(crate) use notify::notify_lists;

const INSTRUCTIONS: &str = "Switchboard gives you on-demand access to a catalog of MCP servers. \
When you need a capability you do not have, call mcp-find with a description of the need, then \
mcp-add with the best result's name; its tools then appear in your tool list (or call them through \
mcp-exec), and its prompts and resources in yours. Call mcp-remove when you are done with a server.";

/// Client-to-server request methods of MCP 2026-07-28; a custom request naming one of them
/// had params rmcp could not read.
const METHODS: [&str; 12] = [
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "server/discover",
    "subscriptions/listen",
    "tasks/get",
    "tasks/cancel",
];

/// Methods of the session-based revisions that 2026-07-28 removed (SEP-2575): unknown there.
const LEGACY_METHODS: [&str; 5] = [
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Caching hints (SEP-2549) of what the gateway lists: a workspace's lists change whenever a
/// server is added or removed (clients hear of it through `list_changed`) and belong to one
/// identity, so: fresh for no time, and private.
const CACHE_HINTS: (Option<u64>, Option<rmcp::model::CacheScope>) =
    (Some(0), Some(rmcp::model::CacheScope::Private));

/// JSON-RPC's code for a resource the server does not know (the MCP spec's choice).
const RESOURCE_NOT_FOUND: i32 = -32002;

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
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Session {
            source,
            scope: Arc::new(SessionScope::new(id)),
            id,
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

    /// Starts recording a call of `kind` to `name` (a tool, a prompt, a URI) in the call log.
    fn begin<'a, R: serde::Serialize>(
        &self,
        workspace: &'a Workspace,
        kind: CallKind,
        name: &str,
        request: &R,
        arguments: impl FnOnce(&R) -> Option<serde_json::Value>,
    ) -> InFlight<'a> {
        let call = Call {
            kind,
            workspace: workspace.id(),
            session: self.id,
            name,
            server: None,
        };
        workspace
            .gateway()
            .calls
            .begin(call, request, arguments, || calls::redactor(workspace))
    }

    /// The workspace of a request, once the servers it starts with are there.
    async fn ready(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Arc<Workspace>, ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        workspace.ready().await;
        Ok(workspace)
    }
}

/// `params` with the request's `_meta` back in it (rmcp moves it into the context): what the
/// client said about the request (its progress token, its own keys) goes on with it.
fn with_meta<P>(
    mut params: P,
    context: &RequestContext<RoleServer>,
    meta: impl FnOnce(&mut P) -> &mut Option<rmcp::model::RequestMetaObject>,
) -> P {
    if !context.meta.is_empty() {
        *meta(&mut params) = Some(context.meta.clone());
    }
    params
}

/// The JSON-RPC error for a forwarded request that failed: a server's own error as it sent
/// it; the gateway's reasons in words.
fn protocol_error(error: Failure) -> ErrorData {
    let error = match error {
        Failure::Input(error) => return error,
        Failure::Call(error) => error,
    };
    match error {
        CallError::Upstream(crate::upstream::Error::Rejected { error, .. }) => error,
        CallError::UnknownPrompt { .. } => ErrorData::invalid_params(error.to_string(), None),
        CallError::UnknownResource { ref uri } => ErrorData::new(
            rmcp::model::ErrorCode(RESOURCE_NOT_FOUND),
            error.to_string(),
            Some(serde_json::json!({ "uri": uri })),
        ),
        other => ErrorData::internal_error(crate::gateway::reply::chain(&other), None),
    }
}

impl ServerHandler for Session {
    fn get_info(&self) -> ServerConfig {
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_list_changed()
            .enable_resources_subscribe()
            .enable_completions()
            .build();
        // Deprecated by SEP-2577, still what 2025-era clients set levels with.
        capabilities.logging = Some(rmcp::model::JsonObject::new());
        ServerConfig::new(capabilities)
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
        let workspace = self.ready(&context).await?;
        let mut tools = workspace.gateway().meta_tools().to_vec();
        tools.extend(workspace.tools());
        let mut result = ListToolsResult::with_all_items(tools);
        (result.ttl_ms, result.cache_scope) = CACHE_HINTS;
        Ok(result)
    }

    // At debug: an info span would be built and entered on every poll of every call.
    #[tracing::instrument(level = "debug", skip_all, fields(tool = %request.name, session = self.id))]
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        let caller = SessionCaller::of(&context, workspace.log_level(self.id));
        let request = with_meta(request, &context, |r| &mut r.meta);
        let is_meta = MetaTool::parse(&request.name).is_some();
        let mut record = self.begin(&workspace, CallKind::Tool, &request.name, &request, |r| {
            r.arguments.clone().map(serde_json::Value::Object)
        });
        if is_meta {
            record.set_server(calls::META_SERVER);
        }
        // Why a forwarded call failed, before the failure becomes a reply.
        let mut failed: Option<(&'static str, Option<String>)> = None;
        let work = async {
            workspace.ready().await;
            if !is_meta {
                name_owner(&mut record, || workspace.tool_owner(&request.name));
            }
            if let Some(meta) = MetaTool::parse(&request.name) {
                let cx = tools::Context {
                    workspace: &workspace,
                    session: self.id,
                    peer: &context.peer,
                    caller: &caller,
                    progress: request.meta.as_ref().and_then(|m| m.get_progress_token()),
                };
                // Boxed: a meta-tool's future (an add starts a server) is many kilobytes, and
                // inline it would be part of, and copied with, every forwarded call's future.
                let answer = Box::pin(meta.call(&cx, request.arguments)).await;
                return Ok(CallToolResponse::Complete(answer));
            }
            let send = forwarder(&workspace, |workspace, params, caller| async move {
                workspace.call_tool(params, Some(caller)).await
            });
            let forwarded = inputs::forward(workspace.holds(), &caller, request, send).await;
            if let Err(failure) = &forwarded {
                failed = Some(classify(failure));
            }
            match forwarded {
                Ok(response) => Ok(response),
                Err(Failure::Call(
                    error @ CallError::Upstream(crate::upstream::Error::Rejected { .. }),
                )) => Err(protocol_error(Failure::Call(error))),
                Err(Failure::Call(error)) => {
                    Ok(CallToolResponse::Complete(tools::call_failure(&error)))
                }
                Err(Failure::Input(error)) => Err(error),
            }
        };
        let response = guarded(&context, work).await;
        let tool_error =
            matches!(&response, Ok(CallToolResponse::Complete(r)) if r.is_error == Some(true));
        finish(
            record,
            &context,
            &response,
            tool_error.then_some("tool_error"),
            failed,
        );
        response
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let workspace = self.ready(&context).await?;
        let mut result = ListPromptsResult::with_all_items(workspace.prompts());
        (result.ttl_ms, result.cache_scope) = CACHE_HINTS;
        Ok(result)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        let caller = SessionCaller::of(&context, workspace.log_level(self.id));
        let request = with_meta(request, &context, |r| &mut r.meta);
        let mut record = self.begin(&workspace, CallKind::Prompt, &request.name, &request, |r| {
            r.arguments.clone().map(serde_json::Value::Object)
        });
        let mut failed = None;
        let work = async {
            workspace.ready().await;
            name_owner(&mut record, || workspace.prompt_owner(&request.name));
            let send = forwarder(&workspace, |workspace, params, caller| async move {
                workspace.get_prompt(params, Some(caller)).await
            });
            inputs::forward(workspace.holds(), &caller, request, send)
                .await
                .map_err(|failure| {
                    failed = Some(classify(&failure));
                    protocol_error(failure)
                })
        };
        let response = guarded(&context, work).await;
        finish(record, &context, &response, None, failed);
        response
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let workspace = self.ready(&context).await?;
        let mut result = ListResourcesResult::with_all_items(workspace.resources());
        (result.ttl_ms, result.cache_scope) = CACHE_HINTS;
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let workspace = self.ready(&context).await?;
        let mut result = ListResourceTemplatesResult::with_all_items(workspace.templates());
        (result.ttl_ms, result.cache_scope) = CACHE_HINTS;
        Ok(result)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        let caller = SessionCaller::of(&context, workspace.log_level(self.id));
        let request = with_meta(request, &context, |r| &mut r.meta);
        let mut record = self.begin(
            &workspace,
            CallKind::Resource,
            &request.uri,
            &request,
            |_| None,
        );
        let mut failed = None;
        let work = async {
            workspace.ready().await;
            name_owner(&mut record, || workspace.resource_owner(&request.uri));
            let send = forwarder(&workspace, |workspace, params, caller| async move {
                workspace.read_resource(params, Some(caller)).await
            });
            inputs::forward(workspace.holds(), &caller, request, send)
                .await
                .map_err(|failure| {
                    failed = Some(classify(&failure));
                    protocol_error(failure)
                })
        };
        let mut response = guarded(&context, work).await;
        // The server's own hints stand; a server that gave none is not cached.
        if let Ok(ReadResourceResponse::Complete(result)) = &mut response {
            result.ttl_ms = result.ttl_ms.or(CACHE_HINTS.0);
            result.cache_scope = result.cache_scope.or(CACHE_HINTS.1);
        }
        finish(record, &context, &response, None, failed);
        response
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let workspace = self.ready(&context).await?;
        let request = with_meta(request, &context, |r| &mut r.meta);
        let work = workspace.complete(request);
        guarded(&context, async {
            work.await.map_err(|e| protocol_error(Failure::Call(e)))
        })
        .await
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let workspace = self.ready(&context).await?;
        workspace
            .subscribe(self.id, &request.uri, true)
            .await
            .map_err(|e| protocol_error(Failure::Call(e)))
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        workspace
            .subscribe(self.id, &request.uri, false)
            .await
            .map_err(|e| protocol_error(Failure::Call(e)))
    }

    #[allow(
        deprecated,
        reason = "logging/setLevel is deprecated by SEP-2577 but in use"
    )]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let workspace = self.workspace(&context.extensions)?;
        workspace.set_level(self.id, request.level).await;
        Ok(())
    }

    /// Requests rmcp could not read as the method they name come here, along with unknown
    /// methods: known methods with bad params get -32602 (invalid params), as JSON-RPC asks;
    /// methods 2026-07-28 removed are unknown to its clients (-32601).
    async fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CustomResult, ErrorData> {
        let method = request.method.as_str();
        let stateless = context
            .protocol_version()
            .is_some_and(|version| version >= ProtocolVersion::V_2026_07_28);
        let known = METHODS.contains(&method) || (!stateless && LEGACY_METHODS.contains(&method));
        if known {
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

    /// Protocol 2026-07-28 has no sessions: clients learn of changes by listening.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.supported_by(&self.get_info().capabilities))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let workspace = self.workspace(&context.request_context().extensions)?;
        // Boxed, like the meta-tools: the handler's futures share one enum, sized by the
        // largest, that rmcp spawns (and copies) for every request.
        Box::pin(notify::listen(&workspace, context)).await
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let Ok(workspace) = self.workspace(&context.extensions) else {
            return;
        };
        // The servers it starts with begin starting now; the first tools/list waits for them.
        workspace.start_preload();
        workspace.gateway().warm_search();
        notify::follow(&workspace, context.peer, self.id, self.scope.ended());
    }
}

/// A forwarded request's failure as the call log tells it: its kind, and the server it names.
fn classify(failure: &Failure) -> (&'static str, Option<String>) {
    (
        calls::failure_kind(failure),
        calls::failure_server(failure).map(str::to_string),
    )
}

/// Names the server the request is routed to, looked up only when the call is recorded.
fn name_owner(record: &mut InFlight<'_>, owner: impl FnOnce() -> Option<String>) {
    if record.is_recording()
        && let Some(server) = owner()
    {
        record.set_server(&server);
    }
}

/// Records how a call ended: cancelled if the client cancelled it, an error with the kind
/// `failed` (a forwarded request's failure, and the server it names) or `result_error` (a
/// result that is an error), or ok.
fn finish<T: calls::Answered>(
    mut record: InFlight<'_>,
    context: &RequestContext<RoleServer>,
    response: &Result<T, ErrorData>,
    result_error: Option<&'static str>,
    failed: Option<(&'static str, Option<String>)>,
) {
    if !record.is_recording() {
        return;
    }
    // A failure names the server it came from, which a route may not have known.
    if let Some((_, Some(server))) = &failed {
        record.set_server(server);
    }
    let failed = failed.map(|(kind, _)| kind);
    match response {
        Err(_) if context.ct.is_cancelled() => {
            record.finish(Outcome::Cancelled, None, &serde_json::Value::Null)
        }
        Err(error) => record.finish(Outcome::Error, Some(failed.unwrap_or("internal")), error),
        Ok(result) => match failed.or(result_error) {
            Some(kind) => record.finish(Outcome::Error, Some(kind), &result.answer()),
            None => record.finish(Outcome::Ok, None, &result.answer()),
        },
    }
}

/// Runs a forwarded request's `work` until the client cancels it (dropping `work` cancels the
/// server's request in turn). A panic inside, ours or a library's, becomes an error reply
/// instead of a client left waiting, and the gateway keeps serving.
async fn guarded<T>(
    context: &RequestContext<RoleServer>,
    work: impl std::future::Future<Output = Result<T, ErrorData>>,
) -> Result<T, ErrorData> {
    let work = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(work));
    tokio::select! {
        response = work => response.unwrap_or_else(|_| {
            tracing::error!("a forwarded request panicked; answered with an internal error");
            Err(ErrorData::internal_error("the gateway failed while handling this request", None))
        }),
        () = context.ct.cancelled() => {
            Err(ErrorData::internal_error("the request was cancelled", None))
        }
    }
}

/// The `send` of [`inputs::forward`]: `call` with a handle of the workspace of its own, so a
/// call held for a client's answer (`hold.rs`) can outlive the request that started it.
fn forwarder<P, Fut, C>(
    workspace: &Arc<Workspace>,
    call: C,
) -> impl Fn(P, Arc<dyn Caller>) -> Fut + use<P, Fut, C>
where
    C: Fn(Arc<Workspace>, P, Arc<dyn Caller>) -> Fut,
{
    let workspace = workspace.clone();
    move |params, caller| call(workspace.clone(), params, caller)
}
