//! What `GET /metrics` reports, in the Prometheus text format: MCP requests by outcome, tool
//! calls by server and outcome, `mcp-add` latency, live server containers, open workspaces,
//! sessions and HTTP connections, standby instances ready and handed out.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolCall {
    server: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Server {
    server: String,
}

/// The gateway's counters; cheap to update from any task.
pub struct Metrics {
    registry: Registry,
    requests: Family<Outcome, Counter>,
    tool_calls: Family<ToolCall, Counter>,
    add_seconds: Histogram,
    live_containers: Gauge,
    workspaces: Gauge,
    sessions: Gauge,
    connections: Gauge,
    standby_ready: Family<Server, Gauge>,
    standby_handouts: Family<Server, Counter>,
}

/// Counts one open HTTP connection for as long as it lives.
#[derive(Debug)]
pub struct ConnectionCount(Gauge);

impl Drop for ConnectionCount {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts one open session for as long as it lives.
#[derive(Debug)]
pub struct SessionCount(Gauge);

impl Drop for SessionCount {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("switchboard");
        let requests = Family::<Outcome, Counter>::default();
        let tool_calls = Family::<ToolCall, Counter>::default();
        // 50 ms to ~100 s: a warm image starts in ~0.2 s, a pull can take minutes.
        let add_seconds = Histogram::new([0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0]);
        let live_containers = Gauge::default();
        let workspaces = Gauge::default();
        let sessions = Gauge::default();
        let connections = Gauge::default();
        let standby_ready = Family::<Server, Gauge>::default();
        let standby_handouts = Family::<Server, Counter>::default();
        registry.register(
            "mcp_requests",
            "MCP HTTP requests by outcome",
            requests.clone(),
        );
        registry.register(
            "tool_calls",
            "Forwarded tool calls by server and outcome",
            tool_calls.clone(),
        );
        registry.register(
            "add_seconds",
            "Time for a successful mcp-add, request to tools registered",
            add_seconds.clone(),
        );
        registry.register(
            "live_containers",
            "Server containers this gateway is running",
            live_containers.clone(),
        );
        registry.register(
            "workspaces",
            "Open workspaces: one per token, or per session with --workspace-per-session",
            workspaces.clone(),
        );
        registry.register(
            "sessions",
            "Initialized MCP sessions still open (each forwards tools/list_changed)",
            sessions.clone(),
        );
        registry.register(
            "http_connections",
            "Open HTTP connections (at most --max-connections)",
            connections.clone(),
        );
        registry.register(
            "standby_instances",
            "Standby instances (run --standby) started, initialized and waiting for a workspace",
            standby_ready.clone(),
        );
        registry.register(
            "standby_handouts",
            "Standby instances handed to a workspace by mcp-add",
            standby_handouts.clone(),
        );
        Metrics {
            registry,
            requests,
            tool_calls,
            add_seconds,
            live_containers,
            workspaces,
            sessions,
            connections,
            standby_ready,
            standby_handouts,
        }
    }
}

impl Metrics {
    /// An MCP request was served (`ok`) or refused (`unauthorized`, `forbidden`).
    pub fn request(&self, outcome: &'static str) {
        self.requests.get_or_create(&Outcome { outcome }).inc();
    }

    pub fn tool_call(&self, server: &str, ok: bool) {
        let outcome = if ok { "ok" } else { "error" };
        self.tool_calls
            .get_or_create(&ToolCall {
                server: server.to_string(),
                outcome,
            })
            .inc();
    }

    /// An HTTP connection was accepted; it counts until the returned guard drops.
    pub fn connection_opened(&self) -> ConnectionCount {
        self.connections.inc();
        ConnectionCount(self.connections.clone())
    }

    /// A session was initialized; it counts until the returned guard drops.
    pub fn session_opened(&self) -> SessionCount {
        self.sessions.inc();
        SessionCount(self.sessions.clone())
    }

    pub fn added(&self, elapsed: std::time::Duration) {
        self.add_seconds.observe(elapsed.as_secs_f64());
    }

    /// `ready` standby instances of `server` wait now.
    pub fn standby_ready(&self, server: &str, ready: usize) {
        self.standby_ready
            .get_or_create(&Server {
                server: server.to_string(),
            })
            .set(i64::try_from(ready).unwrap_or(i64::MAX));
    }

    /// A standby instance of `server` was handed to a workspace.
    pub fn standby_handout(&self, server: &str) {
        self.standby_handouts
            .get_or_create(&Server {
                server: server.to_string(),
            })
            .inc();
    }

    /// The text exposition, with the live container and workspace counts as of now.
    pub fn render(&self, live_containers: usize, workspaces: usize) -> String {
        self.live_containers.set(live_containers as i64);
        self.workspaces.set(workspaces as i64);
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::warn!("encoding metrics failed");
        }
        text
    }
}
