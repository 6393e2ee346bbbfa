//! The live web view at `/ui`: a page served from the binary (HTML, CSS and JS embedded at
//! build time from `assets/`, no framework, no CDN) and the JSON API it calls.
//!
//! The page and its assets are open; every `/ui/api` route needs a bearer token (the same
//! workspace and admin tokens as `/mcp` and `/admin/v1`, checked in `auth.rs` before the
//! handler runs; the Host/Origin check of the whole router runs before that). A workspace token
//! sees and acts on its own workspace (and its per-session ones) only; an admin token on every
//! workspace. Another workspace's id is answered 404, like one that does not exist.
//!
//! ```text
//! GET    /ui/api/me                                  who the token is, the workspaces it sees
//! GET    /ui/api/workspaces                          each visible workspace: servers, container,
//!                                                    sessions, missing secrets and config (names)
//! GET    /ui/api/search?q=Q[&workspace=ID][&limit=N] mcp-find's ranking, with why each matched
//! POST   /ui/api/workspaces/{id}/servers             {"server": NAME}: add, as mcp-add does
//! DELETE /ui/api/workspaces/{id}/servers/{server}    remove, as mcp-remove does
//! GET    /ui/api/calls[?workspace=ID]                server-sent events: one `call` event per
//!                                                    tool call, prompt or resource read
//! ```
//!
//! Refusals are `{"error": "..."}` (with `mcp-add`'s details for a failed add) and 401, 404,
//! 400 or 422. Every response carries a strict Content-Security-Policy (no inline script, no
//! framing), `nosniff` and `no-referrer`.

mod api;
mod auth;
mod calls;
mod error;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tokio_util::sync::CancellationToken;

use crate::http::app::AppState;

/// What the web view's routes share: the HTTP state and the gateway's shutdown, which ends
/// the live streams.
#[derive(Debug, Clone)]
pub(crate) struct UiState {
    pub(crate) app: AppState,
    pub(crate) shutdown: CancellationToken,
}

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");
const ICON: &str = include_str!("assets/icon.svg");

/// The page allows only its own script, style and requests, and no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `/ui`, its assets and `/ui/api`.
pub(crate) fn router(app: AppState, shutdown: CancellationToken) -> Router {
    let state = UiState { app, shutdown };
    let api = Router::new()
        .route("/ui/api/me", get(api::me))
        .route("/ui/api/workspaces", get(api::workspaces))
        .route("/ui/api/search", get(api::search))
        .route("/ui/api/workspaces/{id}/servers", post(api::add))
        .route(
            "/ui/api/workspaces/{id}/servers/{server}",
            delete(api::remove),
        )
        .route("/ui/api/calls", get(calls::stream))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require,
        ))
        .with_state(state);
    let shell = Router::new()
        .route("/ui", get(|| asset("text/html; charset=utf-8", INDEX)))
        .route("/ui/", get(|| asset("text/html; charset=utf-8", INDEX)))
        .route(
            "/ui/app.js",
            get(|| asset("text/javascript; charset=utf-8", SCRIPT)),
        )
        .route(
            "/ui/app.css",
            get(|| asset("text/css; charset=utf-8", STYLE)),
        )
        .route("/ui/icon.svg", get(|| asset("image/svg+xml", ICON)));
    shell
        .merge(api)
        .layer(axum::middleware::from_fn(security_headers))
}

/// An embedded file; revalidated on every load, so a new binary's page is never stale.
async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The headers every `/ui` response carries.
async fn security_headers(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/ui/api");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if api {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

#[cfg(test)]
mod tests {
    /// Every `/ui/api` route refuses a request without a token, and one with a token that is
    /// not accepted, before its handler runs; the page itself is open and carries the headers.
    #[tokio::test]
    async fn every_api_route_needs_a_token_and_the_page_its_headers() {
        let dir = tempfile::tempdir().unwrap();
        let home = crate::store::Home::resolve(Some(dir.path().display().to_string()), None);
        let router = crate::http::testing::router(&home, true);
        let call = |method, path, token| crate::http::testing::call(&router, method, path, token);
        let routes = [
            ("GET", "/ui/api/me"),
            ("GET", "/ui/api/workspaces"),
            ("GET", "/ui/api/search?q=x"),
            ("POST", "/ui/api/workspaces/w/servers"),
            ("DELETE", "/ui/api/workspaces/w/servers/s"),
            ("GET", "/ui/api/calls"),
        ];
        // Even with `--allow-unauthenticated`, which opens `/mcp` only.
        for (method, path) in routes {
            assert_eq!(
                call(method, path, None).await.status(),
                401,
                "{method} {path}"
            );
            let refused = call(method, path, Some("nope")).await;
            assert_eq!(refused.status(), 401, "{method} {path}");
            assert_eq!(refused.headers()["x-content-type-options"], "nosniff");
        }
        for path in ["/ui", "/ui/", "/ui/app.js", "/ui/app.css", "/ui/icon.svg"] {
            let page = call("GET", path, None).await;
            assert_eq!(page.status(), 200, "{path}");
            assert_eq!(page.headers()["content-security-policy"], super::CSP);
            assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        }
    }
}
