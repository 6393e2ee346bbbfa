//! The axum application and its server loop.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::gateway::{Session, WorkspaceSource, Workspaces};
use crate::http::sessions::TrackedSessions;
use crate::http::tenants::Tenants;
use crate::http::tokens::LiveTokens;

#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) tokens: Arc<LiveTokens>,
    /// `/mcp` without a token, as `anonymous` (loopback only; `--allow-unauthenticated`).
    pub(crate) anonymous: bool,
    /// Open MCP sessions and who opened them: a session is only usable with the token that
    /// created it.
    pub(crate) sessions: Arc<TrackedSessions>,
    pub(crate) allowed_hosts: Arc<Vec<String>>,
    pub(crate) workspaces: Arc<Workspaces>,
    pub(crate) tenants: Arc<Tenants>,
    pub(crate) max_sessions_per_token: usize,
}

/// How the HTTP endpoint serves: who may call it, under which Host names, and how sessions
/// map to workspaces.
#[derive(Debug, Clone)]
pub struct Options {
    pub tokens: Arc<LiveTokens>,
    /// Serve `/mcp` without a token (the admin API always needs one).
    pub anonymous: bool,
    /// Host names served besides the loopback ones.
    pub allowed_hosts: Vec<String>,
    /// One workspace per MCP session instead of one per identity.
    pub workspace_per_session: bool,
    /// A session with no request for this long ends (its per-session workspace with it);
    /// `None` keeps sessions until the client deletes them.
    pub session_idle: Option<std::time::Duration>,
    /// Open sessions one token may hold (`initialize` beyond it gets 429).
    pub max_sessions_per_token: usize,
}

/// The router (`/mcp` behind the workspace-token check, `/admin/v1` behind the admin-token
/// check, the web view's `/ui/api` behind either, `/healthz`, `/metrics` and the `/ui` page
/// open; all of it behind the Host/Origin check), and the
/// tenants it serves, whose token file the caller should watch ([`Tenants::watch`]).
pub fn app(
    workspaces: Arc<Workspaces>,
    options: Options,
    shutdown: CancellationToken,
) -> (Router, Arc<Tenants>) {
    let Options {
        tokens,
        anonymous,
        allowed_hosts,
        workspace_per_session,
        session_idle,
        max_sessions_per_token,
    } = options;
    let mut hosts: Vec<String> = crate::http::LOOPBACK_HOSTS
        .iter()
        .map(|h| h.to_string())
        .collect();
    hosts.extend(allowed_hosts.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_cancellation_token(shutdown.child_token())
        .with_allowed_hosts(hosts)
        .with_max_request_body_bytes(crate::http::mcp::MAX_BODY);
    let source = if workspace_per_session {
        WorkspaceSource::PerSession(workspaces.clone())
    } else {
        WorkspaceSource::PerIdentity(workspaces.clone())
    };
    let mut local = LocalSessionManager::default();
    local.session_config.keep_alive = session_idle;
    let sessions = Arc::new(TrackedSessions::new(local));
    let service = StreamableHttpService::new(
        move || Ok(Session::new(source.clone())),
        sessions.clone(),
        config,
    );
    let tenants = Arc::new(Tenants::new(
        tokens.clone(),
        sessions.clone(),
        workspaces.clone(),
    ));
    let state = AppState {
        tokens,
        anonymous,
        sessions,
        allowed_hosts: Arc::new(allowed_hosts),
        workspaces,
        tenants: tenants.clone(),
        max_sessions_per_token: max_sessions_per_token.max(1),
    };
    // Layers run outside in: the token check, then the session check, then rmcp.
    let mcp = Router::new()
        .nest_service("/mcp", service)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::mcp::guard,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::auth::workspace,
        ));
    let admin = crate::http::admin::router(state.clone());
    let ui = crate::http::ui::router(state.clone(), shutdown.child_token());
    let open = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(state.clone());
    let router =
        open.merge(mcp)
            .merge(admin)
            .merge(ui)
            .layer(axum::middleware::from_fn_with_state(
                state,
                crate::http::hosts::check,
            ));
    (router, tenants)
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
