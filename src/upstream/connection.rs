//! One upstream server: the rmcp client over its container's stdio (or over streamable HTTP to a
//! remote server), and its tools.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientCapabilities, ClientConfig, Implementation, Tool,
};
use rmcp::service::{
    ClientInitializeError, NotificationContext, RoleClient, RunningService, ServiceError,
};

use crate::catalog::ServerName;
use crate::runtime::{ContainerSpec, Docker, StderrTail};
use crate::upstream::error::root_cause;
use crate::upstream::remote::Transport;
use crate::upstream::{Endpoint, Error, sse};

/// A live MCP client connection to one server.
pub struct Upstream {
    server: ServerName,
    link: Link,
    client: RunningService<RoleClient, Listener>,
    /// The server's `tools/list_changed` notifications, until someone takes them.
    tool_changes: Mutex<Option<ToolChanges>>,
    /// Secret values given to the server, scrubbed from anything it prints before anyone sees it.
    secrets: Vec<String>,
    tools: Vec<Tool>,
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
    /// Starts the container, runs `initialize` and `tools/list`; only then is the server usable.
    /// If any step fails the container is removed before returning.
    pub async fn start(
        docker: &Docker,
        server: ServerName,
        spec: &ContainerSpec,
        start_timeout: Duration,
    ) -> Result<Upstream, Error> {
        let running = docker.start(spec).await.map_err(|source| Error::Runtime {
            server: server.clone(),
            source,
        })?;
        let link = Link::Container {
            id: running.id.clone(),
            stderr: running.stderr.clone(),
        };
        let secrets = spec.secret_values();
        let opened = open(
            &server,
            (running.stdout, running.stdin),
            start_timeout,
            |e| init_error(&server, &link.output(&secrets), e),
            |e| call_error(&server, &link.output(&secrets), e),
        )
        .await;
        match opened {
            Ok((client, tools)) => Ok(Upstream::new(server, link, client, secrets, tools)),
            Err(error) => {
                docker.remove(&running.id).await;
                Err(error)
            }
        }
    }

    /// Connects to a remote server (streamable HTTP or legacy SSE), runs `initialize` and
    /// `tools/list`.
    pub async fn connect(
        server: ServerName,
        endpoint: &Endpoint,
        start_timeout: Duration,
    ) -> Result<Upstream, Error> {
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
        let (client, tools) = match endpoint.transport {
            Transport::StreamableHttp => {
                let transport = endpoint.streamable_http().map_err(unreachable)?;
                open(&server, transport, start_timeout, init_failed, list_failed).await?
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
                open(&server, stream, start_timeout, init_failed, list_failed).await?
            }
        };
        let link = Link::Remote {
            url: endpoint.url.clone(),
        };
        Ok(Upstream::new(server, link, client, secrets, tools))
    }

    fn new(
        server: ServerName,
        link: Link,
        (client, changes): (RunningService<RoleClient, Listener>, ToolChanges),
        secrets: Vec<String>,
        tools: Vec<Tool>,
    ) -> Upstream {
        Upstream {
            server,
            link,
            client,
            tool_changes: Mutex::new(Some(changes)),
            secrets,
            tools,
            activity: Arc::new(Activity {
                in_flight: AtomicUsize::new(0),
                last_used: Mutex::new(Instant::now()),
            }),
        }
    }

    /// The server's tool-list change notifications; `None` after the first call.
    pub fn take_tool_changes(&self) -> Option<ToolChanges> {
        self.tool_changes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Asks the server for its tools again (after it said they changed).
    pub async fn list_tools(&self) -> Result<Vec<Tool>, Error> {
        self.client
            .list_all_tools()
            .await
            .map_err(|e| call_error(&self.server, &self.link.output(&self.secrets), e))
    }

    /// The tools the server listed at start-up, with their upstream names.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
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

    /// Forwards one `tools/call`; the result comes back exactly as the server sent it.
    /// Dropping the future sends `notifications/cancelled` upstream.
    pub async fn call(&self, params: CallToolRequestParams) -> Result<CallToolResponse, Error> {
        self.client
            .peer()
            .call_tool_once(params)
            .await
            .map_err(|e| call_error(&self.server, &self.link.output(&self.secrets), e))
    }

    /// The container it runs in; `None` for a remote server.
    pub fn container(&self) -> Option<&str> {
        match &self.link {
            Link::Container { id, .. } => Some(id),
            Link::Remote { .. } => None,
        }
    }

    /// Closes the MCP session (a remote server's is deleted) and removes the container, if any.
    pub async fn shutdown(&self, docker: Option<&Docker>) {
        self.client.cancellation_token().cancel();
        if let (Link::Container { id, .. }, Some(docker)) = (&self.link, docker) {
            docker.remove(id).await;
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

/// Runs `initialize` and `tools/list` over `transport` within `start_timeout`.
async fn open<T, E, A>(
    server: &ServerName,
    transport: T,
    start_timeout: Duration,
    init_failed: impl FnOnce(ClientInitializeError) -> Error,
    list_failed: impl FnOnce(ServiceError) -> Error,
) -> Result<
    (
        (RunningService<RoleClient, Listener>, ToolChanges),
        Vec<Tool>,
    ),
    Error,
>
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A> + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let handshake = async {
        let (sender, changes) = tokio::sync::mpsc::channel(1);
        let listener = Listener {
            info: client_config(),
            changes: sender,
        };
        let client = listener.serve(transport).await.map_err(init_failed)?;
        let tools = client.list_all_tools().await.map_err(list_failed)?;
        Ok::<_, Error>(((client, ToolChanges(changes)), tools))
    };
    match tokio::time::timeout(start_timeout, handshake).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Error::StartTimeout {
            server: server.clone(),
            seconds: start_timeout.as_secs(),
        }),
    }
}

/// Our side of the MCP session with a server: who we are, and its tool-list changes passed on.
struct Listener {
    info: ClientConfig,
    changes: tokio::sync::mpsc::Sender<()>,
}

impl rmcp::ClientHandler for Listener {
    fn get_info(&self) -> ClientConfig {
        self.info.clone()
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        // Full means a re-list is already pending, which will see this change too.
        let _ = self.changes.try_send(());
    }
}

/// Fires when the server says its tools changed; ends (`None`) when the connection does.
#[derive(Debug)]
pub struct ToolChanges(tokio::sync::mpsc::Receiver<()>);

impl ToolChanges {
    /// Waits for the next change; `false` once the connection is gone.
    pub async fn next(&mut self) -> bool {
        self.0.recv().await.is_some()
    }
}

fn client_config() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("switchboard", env!("CARGO_PKG_VERSION")),
    )
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
        ServiceError::McpError(data) => Error::Protocol {
            server: server.clone(),
            reason: data.message.to_string(),
        },
        other => Error::Protocol {
            server: server.clone(),
            reason: other.to_string(),
        },
    }
}
