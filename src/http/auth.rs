//! Bearer tokens: every `/mcp` request needs one; its name becomes the request's identity.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::gateway::{Identity, SESSION_HEADER};
use crate::http::app::{Access, AppState};

pub(crate) async fn check(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let identity = match &state.access {
        Access::Anonymous => Some("anonymous".to_string()),
        Access::Tokens(tokens) => request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .and_then(|token| tokens.identify(token.trim()))
            .map(str::to_string),
    };
    let Some(identity) = identity else {
        // Logged without the token: only that an attempt failed, and from where.
        let peer = request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        let presented = request.headers().contains_key(header::AUTHORIZATION);
        tracing::warn!(?peer, presented, "rejected an unauthenticated MCP request");
        state.workspaces.gateway().metrics.request("unauthorized");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"switchboard\"")],
            "a valid `Authorization: Bearer <token>` header is required; create a token with `switchboard token create NAME`",
        )
            .into_response();
    };
    // A session belongs to the token that opened it; to anyone else it does not exist.
    let session = request
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(session) = &session {
        let owner = state.sessions.get(session);
        if owner.is_some_and(|owner| owner != identity) {
            tracing::warn!(identity, "refused a request for another identity's session");
            state.workspaces.gateway().metrics.request("forbidden");
            return (StatusCode::NOT_FOUND, "session not found").into_response();
        }
        if request.method() == axum::http::Method::DELETE {
            state.sessions.invalidate(session);
        }
    }
    request.extensions_mut().insert(Identity(identity.clone()));
    state.workspaces.gateway().metrics.request("ok");
    let response = next.run(request).await;
    if let Some(created) = response
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        state
            .sessions
            .entry(created.to_string())
            .or_insert(identity);
    }
    response
}
