//! The axum application and its server loop.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::gateway::{Session, WorkspaceSource, Workspaces};
use crate::store::TokenSet;

/// Who may call `/mcp`.
#[derive(Debug, Clone)]
pub enum Access {
    /// Any request with one of these tokens, as the token's name.
    Tokens(Arc<TokenSet>),
    /// Anyone, as `anonymous` (loopback only; `--allow-unauthenticated`).
    Anonymous,
}

#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) access: Access,
    /// MCP session id -> the identity that opened it: a session is only usable with the
    /// token that created it.
    pub(crate) sessions: SessionOwners,
    pub(crate) allowed_hosts: Arc<Vec<String>>,
    pub(crate) workspaces: Arc<Workspaces>,
}

/// How the HTTP endpoint serves: who may call it, under which Host names, and how sessions
/// map to workspaces.
#[derive(Debug, Clone)]
pub struct Options {
    pub access: Access,
    /// Host names served besides the loopback ones.
    pub allowed_hosts: Vec<String>,
    /// One workspace per MCP session instead of one per identity.
    pub workspace_per_session: bool,
    /// A session with no request for this long ends (its per-session workspace with it);
    /// `None` keeps sessions until the client deletes them.
    pub session_idle: Option<std::time::Duration>,
}

/// The router: `/mcp` behind the bearer check; `/healthz` and `/metrics` without it; all of it
/// behind the Host/Origin check.
pub fn app(workspaces: Arc<Workspaces>, options: Options, shutdown: CancellationToken) -> Router {
    let Options {
        access,
        allowed_hosts,
        workspace_per_session,
        session_idle,
    } = options;
    let mut hosts: Vec<String> = crate::http::LOOPBACK_HOSTS
        .iter()
        .map(|h| h.to_string())
        .collect();
    hosts.extend(allowed_hosts.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_cancellation_token(shutdown.child_token())
        .with_allowed_hosts(hosts);
    let source = if workspace_per_session {
        WorkspaceSource::PerSession(workspaces.clone())
    } else {
        WorkspaceSource::PerIdentity(workspaces.clone())
    };
    let mut sessions = LocalSessionManager::default();
    sessions.session_config.keep_alive = session_idle;
    let service = StreamableHttpService::new(
        move || Ok(Session::new(source.clone())),
        Arc::new(sessions),
        config,
    );
    let state = AppState {
        access,
        sessions: session_owners(),
        allowed_hosts: Arc::new(allowed_hosts),
        workspaces,
    };
    let mcp = Router::new()
        .nest_service("/mcp", service)
        // Only `/mcp` needs a token: an unknown path is a 404 for everyone.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::auth::check,
        ));
    let open = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(state.clone());
    open.merge(mcp).layer(axum::middleware::from_fn_with_state(
        state,
        crate::http::hosts::check,
    ))
}

/// Prometheus text exposition.
async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    let text = state
        .workspaces
        .gateway()
        .metrics
        .render(state.workspaces.live(), state.workspaces.count());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

/// MCP session id -> identity. Entries outlive their sessions (rmcp drops a session after 5 idle
/// minutes; an owner is forgotten after an idle hour), and the map is bounded so a flood of
/// sessions cannot grow it without end.
pub(crate) type SessionOwners = moka::sync::Cache<String, String>;

fn session_owners() -> SessionOwners {
    moka::sync::Cache::builder()
        .max_capacity(100_000)
        .time_to_idle(std::time::Duration::from_secs(3600))
        .build()
}

/// Serves until `shutdown` is cancelled, then lets open requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}
