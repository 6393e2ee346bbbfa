//! Bearer tokens: a workspace token opens `/mcp` as its workspace, an admin token opens
//! `/admin/v1`; neither opens the other.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::gateway::Identity;
use crate::http::app::AppState;
use crate::http::sessions::Credential;
use crate::store::{Grant, TokenKind};

/// The identity of anonymous `/mcp` callers (`--allow-unauthenticated`).
pub(crate) const ANONYMOUS: &str = "anonymous";

/// `/mcp`: sets the request's [`Identity`] (its token's name) and [`Credential`].
pub(crate) async fn workspace(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let (identity, credential) = match presented(&state, request.headers()) {
        Some(Grant {
            kind: TokenKind::Workspace,
            name,
            hash,
        }) => (name, Some(hash)),
        Some(Grant {
            kind: TokenKind::Admin,
            ..
        }) => {
            state.workspaces.gateway().metrics.request("forbidden");
            return (
                StatusCode::FORBIDDEN,
                "an admin token opens /admin/v1 only; MCP clients need a workspace token (`switchboard token create NAME`)",
            )
                .into_response();
        }
        None if state.anonymous => (ANONYMOUS.to_string(), None),
        None => return unauthorized(&state, &request, Area::Mcp),
    };
    request.extensions_mut().insert(Identity(identity));
    request.extensions_mut().insert(Credential(credential));
    next.run(request).await
}

/// `/admin/v1`: admin tokens only.
pub(crate) async fn admin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match presented(&state, request.headers()) {
        Some(Grant {
            kind: TokenKind::Admin,
            name,
            ..
        }) => {
            tracing::debug!(admin = name, method = %request.method(), path = %request.uri().path(), "admin request");
            next.run(request).await
        }
        Some(_) => (
            StatusCode::FORBIDDEN,
            "a workspace token opens /mcp only; the admin API needs an admin token (`switchboard token create NAME --admin`)",
        )
            .into_response(),
        None => unauthorized(&state, &request, Area::Admin),
    }
}

/// The grant of the bearer token in `headers`, if it is one we accept.
pub(crate) fn presented(state: &AppState, headers: &HeaderMap) -> Option<Grant> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    state.tokens.current().identify(token.trim()).cloned()
}

/// Which part of the gateway a request was for.
#[derive(Debug, Clone, Copy)]
enum Area {
    Mcp,
    Admin,
}

fn unauthorized(state: &AppState, request: &Request, area: Area) -> Response {
    // Logged without the token: only that an attempt failed, and from where.
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let presented = request.headers().contains_key(header::AUTHORIZATION);
    tracing::warn!(
        ?peer,
        presented,
        ?area,
        "rejected an unauthenticated request"
    );
    state.workspaces.gateway().metrics.request("unauthorized");
    let hint = match area {
        Area::Admin => {
            "a valid `Authorization: Bearer <admin token>` header is required; create one with `switchboard token create NAME --admin`"
        }
        Area::Mcp => {
            "a valid `Authorization: Bearer <token>` header is required; create a token with `switchboard token create NAME`"
        }
    };
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer realm=\"switchboard\"")],
        hint,
    )
        .into_response()
}
