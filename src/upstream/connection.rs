//! One upstream server: the rmcp client over its container's stdio (or over streamable HTTP to a
//! remote server), what it offers, and the requests forwarded to it.
#![allow(
    deprecated,
    reason = "sampling, roots and logging are deprecated by SEP-2577 but 2025-era servers and clients use them"
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResponse, ClientRequest, CompleteRequestParams,
    CompleteResult, GetPromptRequest, GetPromptRequestParams, GetPromptResponse, LoggingLevel,
    ProgressToken, ProtocolVersion, ReadResourceRequest, ReadResourceRequestParams,
    ReadResourceResponse, RequestMetaObject, ServerCapabilities, ServerResult,
};
use rmcp::service::{
    ClientInitializeError, ClientServiceExt, RoleClient, RunningService, ServiceError,
};
use rmcp::transport::async_rw::AsyncRwTransport;

use crate::catalog::ServerName;
use crate::runtime::{ContainerSpec, Runtime, StderrTail, Step, Steps};
use crate::upstream::calls::Calls;
use crate::upstream::error::root_cause;
use crate::upstream::listener::Listener;
use crate::upstream::probe::Probed;
use crate::upstream::relay::{Caller, Offer, Relay};
use crate::upstream::remote::Transport;
use crate::upstream::sniff::Sniffer;
use crate::upstream::subscription::{self, Followed};
use crate::upstream::{Endpoint, Error, sse};

/// A live MCP client connection to one server.
pub struct Upstream {
    server: ServerName,
    link: Link,
    client: RunningService<RoleClient, Listener>,
    /// The requests in flight and their clients (shared with the listener).
    calls: Arc<Calls>,
    /// Secret values given to the server, scrubbed from anything it prints before anyone sees it.
    secrets: Vec<String>,
    capabilities: ServerCapabilities,
    /// What it offered at start-up.
    offer: Offer,
    /// Set when the server speaks 2026-07-28: the resources it is asked to report changes of
    /// (through `subscriptions/listen`, its only way to tell us of changes).
    followed: Option<Followed>,
    /// Calls under way, and when the last one ended: an idle server may be stopped.
    activity: Arc<Activity>,
}

/// What the connection runs over.
enum Link {
    /// A container we started; its stderr explains crashes.
    Container { id: String, stderr: StderrTail },
    /// A server someone else runs.
    Remote { url: String },
}

#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    last_used: Mutex<Instant>,
}

/// Marks a call as under way for as long as it lives; see [`Upstream::begin`].
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Upstream");
        debug.field("server", &self.server);
        match &self.link {
            Link::Container { id, .. } => debug.field("container", id),
            Link::Remote { url } => debug.field("url", url),
        };
        debug.finish_non_exhaustive()
    }
}

impl Upstream {
    /// Starts the server's instance with `runtime`, runs `initialize` and `tools/list`; only
    /// then is the server usable. If any step fails the instance is stopped before returning.
    /// `steps` hears each step as it begins.
    pub async fn start(
        runtime: &dyn Runtime,
        server: ServerName,
        spec: &ContainerSpec,
        start_timeout: Duration,
        relay: Arc<dyn Relay>,
        steps: &dyn Steps,
    ) -> Result<Upstream, Error> {
        let running = runtime
            .start(spec, steps)
            .await
            .map_err(|source| Error::Runtime {
                server: server.clone(),
                source,
            })?;
        steps.step(Step::Initializing);
        let link = Link::Container {
            id: running.id.clone(),
            stderr: running.stderr.clone(),
        };
        let secrets = spec.secret_values();
        let calls = Arc::new(Calls::default());
        let stdout = Sniffer::new(running.stdout, calls.tally.clone());
        let handshake = Handshake {
            server: &server,
            calls,
            lifecycle: Lifecycle::Probe,
            start_timeout,
            relay,
        };
        let transport = AsyncRwTransport::new_client(stdout, running.stdin);
        let opened = open(
            handshake,
            Probed::new(transport, PREFERRED.to_vec()),
            |e| init_error(&server, &link.output(&secrets), e),
            |e| call_error(&server, &link.output(&secrets), e),
        )
        .await;
        match opened {
            Ok(opened) => Ok(Upstream::new(server, link, opened, secrets)),
            Err(error) => {
                runtime.stop(&running.id).await;
                Err(error)
            }
        }
    }

    /// Connects to a remote server (streamable HTTP or legacy SSE), runs `initialize` and
    /// `tools/list`; `steps` hears when it begins.
    pub async fn connect(
        server: ServerName,
        endpoint: &Endpoint,
        start_timeout: Duration,
        relay: Arc<dyn Relay>,
        steps: &dyn Steps,
    ) -> Result<Upstream, Error> {
        steps.step(Step::Connecting);
        let secrets = endpoint.secret_values();
        let unreachable = |reason: String| Error::Unreachable {
            server: server.clone(),
            url: endpoint.url.clone(),
            reason: crate::store::redact(&reason, &secrets),
        };
        let init_failed = |e: ClientInitializeError| match &e {
            // Its `error` field is not marked as the source, so the chain stops here.
            ClientInitializeError::TransportError { error, .. } => unreachable(root_cause(error)),
            other => unreachable(root_cause(other)),
        };
        let list_failed = |e: ServiceError| unreachable(root_cause(&e));
        let handshake = Handshake {
            server: &server,
            calls: Arc::default(),
            lifecycle: Lifecycle::Session,
            start_timeout,
            relay,
        };
        let opened = match endpoint.transport {
            Transport::StreamableHttp => {
                let transport = endpoint.streamable_http().map_err(unreachable)?;
                open(handshake, transport, init_failed, list_failed).await?
            }
            Transport::Sse => {
                let headers = endpoint.header_map().map_err(unreachable)?;
                let stream =
                    tokio::time::timeout(start_timeout, sse::connect(&endpoint.url, headers))
                        .await
                        .map_err(|_| Error::StartTimeout {
                            server: server.clone(),
                            seconds: start_timeout.as_secs(),
                        })?
                        .map_err(unreachable)?;
                open(handshake, stream, init_failed, list_failed).await?
            }
        };
        let link = Link::Remote {
            url: endpoint.url.clone(),
        };
        Ok(Upstream::new(server, link, opened, secrets))
    }

    fn new(server: ServerName, link: Link, opened: Opened, secrets: Vec<String>) -> Upstream {
        Upstream {
            server,
            link,
            client: opened.client,
            calls: opened.calls,
            secrets,
            capabilities: opened.capabilities,
            offer: opened.offer,
            followed: opened.followed,
            activity: Arc::new(Activity {
                in_flight: AtomicUsize::new(0),
                last_used: Mutex::new(Instant::now()),
            }),
        }
    }

    /// Asks the server again for everything it offers (after it said some of it changed).
    pub async fn list_offer(&self) -> Result<Offer, Error> {
        list_offer(&self.client, &self.capabilities)
            .await
            .map_err(|e| self.call_error(e))
    }

    /// What the server offered at start-up, with its own names.
    pub fn offer(&self) -> &Offer {
        &self.offer
    }

    /// What the server said it supports.
    pub fn capabilities(&self) -> &ServerCapabilities {
        &self.capabilities
    }

    fn call_error(&self, error: ServiceError) -> Error {
        call_error(&self.server, &self.link.output(&self.secrets), error)
    }

    /// Counts a call as under way until the guard drops; take it before letting go of any
    /// lock under which the upstream was chosen, so an idle sweep never stops it mid-call.
    pub fn begin(&self) -> InFlight {
        self.activity.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.activity.clone())
    }

    /// How long the server has had no call, or `None` while one is under way.
    pub fn idle_for(&self) -> Option<Duration> {
        if self.activity.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(
            self.activity
                .last_used
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .elapsed(),
        )
    }

    /// Whether the connection has closed, e.g. because the server crashed.
    pub fn is_closed(&self) -> bool {
        self.client.peer().is_transport_closed()
    }

    /// Forwards one `tools/call`; the result comes back exactly as the server sent it (an
    /// input-required result included). Dropping the future sends `notifications/cancelled`.
    pub async fn call_tool(
        &self,
        mut params: CallToolRequestParams,
        caller: Option<Arc<dyn Caller>>,
    ) -> Result<CallToolResponse, Error> {
        let progress = own_hop(&mut params.meta);
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        match self.send(request, caller, progress).await? {
            ServerResult::CallToolResult(result) => {
                Ok(CallToolResponse::Complete(completed!(result)))
            }
            ServerResult::InputRequiredResult(result) => {
                Ok(CallToolResponse::InputRequired(result))
            }
            ServerResult::CreateTaskResult(result) => Ok(CallToolResponse::Task(result)),
            other => Err(self.unexpected("tools/call", &other)),
        }
    }

    /// Forwards one `prompts/get`, as [`Self::call_tool`] does.
    pub async fn get_prompt(
        &self,
        mut params: GetPromptRequestParams,
        caller: Option<Arc<dyn Caller>>,
    ) -> Result<GetPromptResponse, Error> {
        let progress = own_hop(&mut params.meta);
        let request = ClientRequest::GetPromptRequest(GetPromptRequest::new(params));
        match self.send(request, caller, progress).await? {
            ServerResult::GetPromptResult(result) => {
                Ok(GetPromptResponse::Complete(completed!(result)))
            }
            ServerResult::InputRequiredResult(result) => {
                Ok(GetPromptResponse::InputRequired(result))
            }
            other => Err(self.unexpected("prompts/get", &other)),
        }
    }

    /// Forwards one `resources/read`, as [`Self::call_tool`] does.
    pub async fn read_resource(
        &self,
        mut params: ReadResourceRequestParams,
        caller: Option<Arc<dyn Caller>>,
    ) -> Result<ReadResourceResponse, Error> {
        let progress = own_hop(&mut params.meta);
        let request = ClientRequest::ReadResourceRequest(ReadResourceRequest::new(params));
        match self.send(request, caller, progress).await? {
            ServerResult::ReadResourceResult(result) => {
                Ok(ReadResourceResponse::Complete(completed!(result)))
            }
            ServerResult::InputRequiredResult(result) => {
                Ok(ReadResourceResponse::InputRequired(result))
            }
            other => Err(self.unexpected("resources/read", &other)),
        }
    }

    /// Forwards one `completion/complete`.
    pub async fn complete(
        &self,
        mut params: CompleteRequestParams,
    ) -> Result<CompleteResult, Error> {
        own_hop(&mut params.meta);
        let result = self.client.peer().complete(params).await;
        result
            .map(|r| completed!(r))
            .map_err(|e| self.call_error(e))
    }

    /// Subscribes to (or, with `on` false, unsubscribes from) updates of resource `uri`.
    #[allow(
        deprecated,
        reason = "resources/subscribe is how 2025-era servers offer updates"
    )]
    pub async fn subscribe(&self, uri: &str, on: bool) -> Result<(), Error> {
        if let Some(followed) = &self.followed {
            followed.send_modify(|uris| {
                if on {
                    uris.insert(uri.to_string());
                } else {
                    uris.remove(uri);
                }
            });
            return Ok(());
        }
        let peer = self.client.peer();
        let outcome = if on {
            peer.subscribe(rmcp::model::SubscribeRequestParams::new(uri))
                .await
        } else {
            peer.unsubscribe(rmcp::model::UnsubscribeRequestParams::new(uri))
                .await
        };
        outcome.map_err(|e| self.call_error(e))
    }

    /// Asks the server to send log lines from `level` up (if it sends any at all).
    #[allow(
        deprecated,
        reason = "logging/setLevel is how 2025-era servers are told"
    )]
    pub async fn set_level(&self, level: LoggingLevel) -> Result<(), Error> {
        // 2026-07-28 has no session to set a level for.
        if self.capabilities.logging.is_none() || self.followed.is_some() {
            return Ok(());
        }
        self.client
            .peer()
            .set_level(rmcp::model::SetLevelRequestParams::new(level))
            .await
            .map_err(|e| self.call_error(e))
    }

    /// Sends `request` on behalf of `caller`, whose progress token (if it gave one) receives
    /// the server's progress; cancels it upstream if the future is dropped first.
    async fn send(
        &self,
        request: ClientRequest,
        caller: Option<Arc<dyn Caller>>,
        progress: Option<ProgressToken>,
    ) -> Result<ServerResult, Error> {
        let peer = self.client.peer();
        let mut options = rmcp::service::PeerRequestOptions::no_options();
        // A 2026-07-28 server learns per request what the client can do: tell it what the
        // client behind us can, not what we could relay.
        if let (Some(_), Some(caller)) = (&self.followed, &caller) {
            let mut meta = RequestMetaObject::default();
            meta.set_client_capabilities(caller.capabilities());
            if let Some(level) = caller.log_level() {
                meta.set_log_level(level);
            }
            options.meta = Some(meta);
        }
        let mut registered = caller.map(|caller| self.calls.register(caller));
        let handle = match (registered.as_mut(), progress) {
            (Some(registered), Some(theirs)) => {
                let mut routes = self.calls.progress_routes().await;
                let handle = peer
                    .send_request_with_option(request, options)
                    .await
                    .map_err(|e| self.call_error(e))?;
                registered.map_progress(&mut routes, handle.progress_token.clone(), theirs);
                handle
            }
            _ => peer
                .send_request_with_option(request, options)
                .await
                .map_err(|e| self.call_error(e))?,
        };
        let abandon = Abandon {
            peer: Some(peer.clone()),
            id: handle.id.clone(),
        };
        let outcome = handle.await_response().await;
        abandon.disarm();
        // Progress the server sent before its response reaches the client first.
        if let Some(token) = registered.as_ref().and_then(|r| r.progress_token()) {
            self.calls.tally.settle(token).await;
        }
        drop(registered);
        outcome.map_err(|e| self.call_error(e))
    }

    fn unexpected(&self, method: &str, result: &ServerResult) -> Error {
        let kind = serde_json::to_value(result)
            .ok()
            .and_then(|v| {
                v.as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
            })
            .unwrap_or_default();
        Error::Protocol {
            server: self.server.clone(),
            reason: format!("answered {method} with an unexpected result (fields: {kind})"),
        }
    }

    /// The container it runs in; `None` for a remote server.
    pub fn container(&self) -> Option<&str> {
        match &self.link {
            Link::Container { id, .. } => Some(id),
            Link::Remote { .. } => None,
        }
    }

    /// Closes the MCP session (a remote server's is deleted) and stops the instance, if any.
    pub async fn shutdown(&self, runtime: &dyn Runtime) {
        self.client.cancellation_token().cancel();
        if let Link::Container { id, .. } = &self.link {
            runtime.stop(id).await;
        }
    }
}

impl Link {
    /// What the server printed last, scrubbed of secrets; remote servers print nothing we see.
    fn output(&self, secrets: &[String]) -> String {
        match self {
            Link::Container { stderr, .. } => stderr.text(secrets),
            Link::Remote { .. } => String::new(),
        }
    }
}

/// A handshake's outcome: the client, its request registry, and what the server offers.
struct Opened {
    client: RunningService<RoleClient, Listener>,
    calls: Arc<Calls>,
    capabilities: ServerCapabilities,
    offer: Offer,
    followed: Option<Followed>,
}

/// A result as the gateway's clients get it: a 2025-era server's has no `resultType`, which a
/// 2026-07-28 client requires (rmcp leaves it out again for older clients).
macro_rules! completed {
    ($result:expr) => {{
        let mut result = $result;
        result
            .result_type
            .get_or_insert(rmcp::model::ResultType::COMPLETE);
        result
    }};
}
use completed;

/// The revisions a probe asks a server for, newest first.
const PREFERRED: [ProtocolVersion; 1] = [ProtocolVersion::V_2026_07_28];

/// Which MCP lifecycle to open a connection with.
#[derive(Debug, Clone, Copy)]
enum Lifecycle {
    /// 2026-07-28 where the server speaks it (its input-required results then reach clients as
    /// the server wrote them), else the session-based revisions. Over stdio a legacy server
    /// answers the `server/discover` probe with an error for that request (the TypeScript and
    /// Python SDKs both do) or with its older revisions only (rmcp; see `probe.rs`), so
    /// falling back costs one round trip.
    Probe,
    /// The session-based revisions only: a legacy HTTP server may answer the probe with an
    /// HTTP 400 that names no request, which would fail the connection instead.
    Session,
}

/// How to open a connection, whatever it runs over.
struct Handshake<'a> {
    server: &'a ServerName,
    /// The request registry the connection's listener and sniffer share.
    calls: Arc<Calls>,
    lifecycle: Lifecycle,
    /// How long the handshake and the first listing may take.
    start_timeout: Duration,
    relay: Arc<dyn Relay>,
}

/// Runs the handshake and lists what the server offers over `transport`, within the start
/// timeout.
async fn open<T, E, A>(
    handshake: Handshake<'_>,
    transport: T,
    init_failed: impl FnOnce(ClientInitializeError) -> Error,
    list_failed: impl FnOnce(ServiceError) -> Error,
) -> Result<Opened, Error>
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A> + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let Handshake {
        server,
        calls,
        lifecycle,
        start_timeout,
        relay,
    } = handshake;
    let handshake = async {
        let listener = Listener {
            relay: relay.clone(),
            calls: calls.clone(),
        };
        let lifecycle = match lifecycle {
            Lifecycle::Probe => rmcp::service::ClientLifecycleMode::Auto {
                preferred_versions: PREFERRED.to_vec(),
                legacy_version: None,
            },
            Lifecycle::Session => rmcp::service::ClientLifecycleMode::Initialize,
        };
        let client = listener
            .serve_with_lifecycle(transport, lifecycle)
            .await
            .map_err(init_failed)?;
        // A proxy keeps no copy: a list the server says changed, or a resource read again,
        // must come from the server (rmcp would keep what a server marked cacheable).
        client
            .peer()
            .set_response_cache_config(rmcp::ClientCacheConfig::disabled())
            .await;
        let (capabilities, version) = client
            .peer_info()
            .map(|info| (info.capabilities.clone(), info.protocol_version.clone()))
            .unwrap_or_default();
        let offer = list_offer(&client, &capabilities)
            .await
            .map_err(list_failed)?;
        tracing::debug!(server = %server, protocol = %version, "connected");
        let followed = (version >= ProtocolVersion::V_2026_07_28)
            .then(|| subscription::follow(client.peer().clone(), relay));
        Ok::<_, Error>(Opened {
            client,
            calls,
            capabilities,
            offer,
            followed,
        })
    };
    match tokio::time::timeout(start_timeout, handshake).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Error::StartTimeout {
            server: server.clone(),
            seconds: start_timeout.as_secs(),
        }),
    }
}

/// Everything the server offers, asking only for the kinds it says it has.
async fn list_offer(
    client: &RunningService<RoleClient, Listener>,
    capabilities: &ServerCapabilities,
) -> Result<Offer, ServiceError> {
    let mut offer = Offer {
        tools: client.list_all_tools().await?,
        ..Offer::default()
    };
    if capabilities.prompts.is_some() {
        offer.prompts = client.list_all_prompts().await?;
    }
    if capabilities.resources.is_some() {
        offer.resources = client.list_all_resources().await?;
        offer.templates = client.list_all_resource_templates().await?;
    }
    Ok(offer)
}

/// Keeps from a client's request `_meta` what describes the request itself, not the client's
/// hop to us (`io.modelcontextprotocol/*` protocol and capability keys, which rmcp sets for
/// our hop), and takes out the progress token (rmcp gives each request its own), returning it.
fn own_hop(meta: &mut Option<RequestMetaObject>) -> Option<ProgressToken> {
    let object = meta.as_mut()?;
    let token = object.get_progress_token();
    object.remove("progressToken");
    object.retain(|key, _| !key.starts_with("io.modelcontextprotocol/"));
    if object.is_empty() {
        *meta = None;
    }
    token
}

/// Cancels a request upstream when dropped before [`Abandon::disarm`]: the client gave up.
struct Abandon {
    peer: Option<rmcp::service::Peer<RoleClient>>,
    id: rmcp::model::RequestId,
}

impl Abandon {
    fn disarm(mut self) {
        self.peer = None;
    }
}

impl Drop for Abandon {
    fn drop(&mut self) {
        let Some(peer) = self.peer.take() else {
            return;
        };
        let id = self.id.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let cancelled = rmcp::model::CancelledNotificationParam::new(
                    Some(id),
                    Some("the client cancelled the request".to_string()),
                );
                let _ = peer.notify_cancelled(cancelled).await;
            });
        }
    }
}

fn init_error(server: &ServerName, stderr: &str, error: ClientInitializeError) -> Error {
    match error {
        ClientInitializeError::ConnectionClosed(_) => Error::ExitedDuringStart {
            server: server.clone(),
            stderr: stderr.to_string(),
        },
        other => Error::Handshake {
            server: server.clone(),
            reason: other.to_string(),
        },
    }
}

fn call_error(server: &ServerName, stderr: &str, error: ServiceError) -> Error {
    match error {
        ServiceError::TransportClosed | ServiceError::TransportSend(_) => Error::Closed {
            server: server.clone(),
            stderr: stderr.to_string(),
        },
        ServiceError::McpError(error) => Error::Rejected {
            server: server.clone(),
            error,
        },
        other => Error::Protocol {
            server: server.clone(),
            reason: other.to_string(),
        },
    }
}
