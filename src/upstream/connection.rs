//! One upstream server: its container, the rmcp client over the container's stdio, its tools.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientCapabilities, ClientConfig, Implementation, Tool,
};
use rmcp::service::{ClientInitializeError, RoleClient, RunningService, ServiceError};

use crate::catalog::ServerName;
use crate::runtime::{ContainerSpec, Docker, StderrTail};
use crate::upstream::Error;

/// A live MCP client connection to one server container.
pub struct Upstream {
    server: ServerName,
    container: String,
    client: RunningService<RoleClient, ClientConfig>,
    stderr: StderrTail,
    /// Secret values of the container, scrubbed from its stderr before anyone sees it.
    secrets: Vec<String>,
    tools: Vec<Tool>,
    /// Calls under way, and when the last one ended: an idle server may be stopped.
    activity: Arc<Activity>,
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
        f.debug_struct("Upstream")
            .field("server", &self.server)
            .field("container", &self.container)
            .finish_non_exhaustive()
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
        let container = running.id.clone();
        let stderr = running.stderr.clone();
        let secrets = spec.secret_values();
        let handshake = async {
            let client = client_config()
                .serve((running.stdout, running.stdin))
                .await
                .map_err(|e| init_error(&server, &stderr.text(&secrets), e))?;
            let tools = client
                .list_all_tools()
                .await
                .map_err(|e| call_error(&server, &stderr.text(&secrets), e))?;
            Ok::<_, Error>((client, tools))
        };
        let outcome = match tokio::time::timeout(start_timeout, handshake).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::StartTimeout {
                server: server.clone(),
                seconds: start_timeout.as_secs(),
            }),
        };
        match outcome {
            Ok((client, tools)) => Ok(Upstream {
                server,
                container,
                client,
                stderr,
                secrets,
                tools,
                activity: Arc::new(Activity {
                    in_flight: AtomicUsize::new(0),
                    last_used: Mutex::new(Instant::now()),
                }),
            }),
            Err(error) => {
                docker.remove(&container).await;
                Err(error)
            }
        }
    }

    pub fn server(&self) -> &ServerName {
        &self.server
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
            .map_err(|e| call_error(&self.server, &self.stderr.text(&self.secrets), e))
    }

    /// Closes the MCP session and removes the container at once.
    pub async fn shutdown(&self, docker: &Docker) {
        self.client.cancellation_token().cancel();
        docker.remove(&self.container).await;
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
