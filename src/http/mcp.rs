//! What `/mcp` checks and settles around rmcp's streamable-HTTP service, after the token check:
//!
//! - a session id is served only to the identity that opened it, and an id the session registry
//!   does not know is refused (404, as the transport spec asks for ended sessions);
//! - `initialize` needs room under `--max-sessions-per-token` (429 beyond it);
//! - a body that is not JSON-RPC gets 400 with a JSON-RPC error (rmcp says 415);
//! - `DELETE` answers 204 (rmcp says 202, which clients read as a failed termination);
//! - a client reconnecting (`Last-Event-ID`) to a request stream whose response it already got
//!   is told there is nothing more (204), instead of an error: the TypeScript SDK reconnects
//!   after every JSON-RPC error reply, since it counts only results as responses.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::gateway::{Identity, SESSION_HEADER};
use crate::http::app::AppState;
use crate::http::sessions::{Credential, Owner};

/// The most a request body may hold (rmcp's own limit).
pub(crate) const MAX_BODY: usize = 4 * 1024 * 1024;

const LAST_EVENT_ID: &str = "last-event-id";
const MCP_METHOD: &str = "mcp-method";

pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = &state.workspaces.gateway().metrics;
    let (Some(identity), Some(credential)) = (
        request.extensions().get::<Identity>().cloned(),
        request.extensions().get::<Credential>().copied(),
    ) else {
        tracing::error!("an /mcp request reached the session check without an identity");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let session = header_str(request.headers(), SESSION_HEADER).map(str::to_string);
    if let Some(session) = &session {
        match state.sessions.registry().owner(session) {
            Some(owner) if owner.identity == identity.0 => {}
            owner => {
                if owner.is_some() {
                    tracing::warn!(
                        identity = identity.0,
                        "refused a request for another identity's session"
                    );
                }
                metrics.request("unknown_session");
                return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
            }
        }
        if request.method() == Method::GET
            && header_str(request.headers(), LAST_EVENT_ID)
                .is_some_and(|last| state.sessions.registry().stream_finished(session, last))
        {
            metrics.request("ok");
            return nothing_more();
        }
    }
    metrics.request("ok");
    match *request.method() {
        Method::POST => {
            post(
                &state,
                request,
                next,
                session.is_none(),
                identity,
                credential,
            )
            .await
        }
        Method::DELETE => {
            let mut response = next.run(request).await;
            if response.status() == StatusCode::ACCEPTED {
                *response.status_mut() = StatusCode::NO_CONTENT;
            }
            response
        }
        _ => next.run(request).await,
    }
}

async fn post(
    state: &AppState,
    request: Request,
    next: Next,
    sessionless: bool,
    identity: Identity,
    credential: Credential,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => return unreadable(error),
    };
    // Only a request without a session can open one, and only an `initialize` does.
    if sessionless && is_initialize(&parts.headers, &bytes) {
        let owner = Owner {
            identity: identity.0,
            token: credential.0,
        };
        let cap = state.max_sessions_per_token;
        let Some(slot) = state.sessions.registry().reserve(owner.clone(), cap) else {
            tracing::info!(
                identity = owner.identity,
                cap,
                "refused a session over the cap"
            );
            state
                .workspaces
                .gateway()
                .metrics
                .request("too_many_sessions");
            return too_many_sessions(&owner.identity, cap, &bytes);
        };
        parts.extensions.insert(slot);
    }
    let json_body = header_str(&parts.headers, header::CONTENT_TYPE.as_str()).is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    // rmcp answers a body it cannot read as a JSON-RPC message with 415, as if the media type
    // were wrong; with a JSON content type, it is the body that is.
    if response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE && json_body {
        return not_json_rpc(&bytes);
    }
    response
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether a sessionless POST is an `initialize`: by its `Mcp-Method` header when the client
/// sends one (2026-07-28 clients do), else by the body's `method`.
fn is_initialize(headers: &HeaderMap, body: &Bytes) -> bool {
    #[derive(serde::Deserialize)]
    struct Method<'a> {
        #[serde(borrow)]
        method: Option<Cow<'a, str>>,
    }
    if let Some(method) = header_str(headers, MCP_METHOD) {
        return method == "initialize";
    }
    serde_json::from_slice::<Method<'_>>(body)
        .ok()
        .and_then(|m| m.method)
        .is_some_and(|m| m == "initialize")
}

/// The id of a JSON-RPC request body, for error replies that answer it.
fn request_id(body: &Bytes) -> serde_json::Value {
    #[derive(serde::Deserialize)]
    struct Id {
        id: Option<serde_json::Value>,
    }
    serde_json::from_slice::<Id>(body)
        .ok()
        .and_then(|i| i.id)
        .unwrap_or(serde_json::Value::Null)
}

fn json_rpc_error(
    status: StatusCode,
    id: serde_json::Value,
    code: i64,
    message: String,
) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

fn too_many_sessions(identity: &str, cap: usize, body: &Bytes) -> Response {
    let message = format!(
        "token `{identity}` already has {cap} open sessions, the most `--max-sessions-per-token` allows; end one (DELETE /mcp with its Mcp-Session-Id) or start the gateway with a higher `--max-sessions-per-token`"
    );
    json_rpc_error(
        StatusCode::TOO_MANY_REQUESTS,
        request_id(body),
        -32000,
        message,
    )
}

/// 400 with a JSON-RPC parse error (not JSON) or invalid request (JSON, but not one
/// JSON-RPC message).
fn not_json_rpc(body: &Bytes) -> Response {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Err(error) => json_rpc_error(
            StatusCode::BAD_REQUEST,
            serde_json::Value::Null,
            -32700,
            format!("Parse error: the body is not JSON ({error})"),
        ),
        Ok(serde_json::Value::Array(_)) => json_rpc_error(
            StatusCode::BAD_REQUEST,
            serde_json::Value::Null,
            -32600,
            "Invalid Request: send one JSON-RPC message per POST (batches were removed from MCP in 2025-06-18)".to_string(),
        ),
        Ok(value) => json_rpc_error(
            StatusCode::BAD_REQUEST,
            value.get("id").cloned().unwrap_or(serde_json::Value::Null),
            -32600,
            "Invalid Request: the body is JSON but not a JSON-RPC 2.0 request, notification or response".to_string(),
        ),
    }
}

fn unreadable(error: axum::Error) -> Response {
    let error = error.into_inner();
    let too_large = error.is::<http_body_util::LengthLimitError>()
        || error
            .source()
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
    if too_large {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Payload Too Large: request body exceeds {MAX_BODY} bytes"),
        )
            .into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
        )
            .into_response()
    }
}

/// An event stream with nothing in it: the stream the client asked to resume is complete.
fn nothing_more() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_is_told_by_header_or_body() {
        let mut headers = HeaderMap::new();
        let init =
            Bytes::from_static(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#);
        let call = Bytes::from_static(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#);
        assert!(is_initialize(&headers, &init));
        assert!(!is_initialize(&headers, &call));
        assert!(!is_initialize(&headers, &Bytes::from_static(b"[1,2]")));
        assert!(!is_initialize(&headers, &Bytes::from_static(b"not json")));
        headers.insert(MCP_METHOD, HeaderValue::from_static("tools/call"));
        assert!(!is_initialize(&headers, &init), "the header wins");
        assert_eq!(request_id(&call), json!(1));
        assert_eq!(
            request_id(&Bytes::from_static(b"{}")),
            serde_json::Value::Null
        );
    }
}
