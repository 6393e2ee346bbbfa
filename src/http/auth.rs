//! Bearer tokens: every `/mcp` request needs one; its name becomes the request's identity.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::gateway::Identity;
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
    request.extensions_mut().insert(Identity(identity));
    state.workspaces.gateway().metrics.request("ok");
    next.run(request).await
}
