//! The HTTP transport: MCP streamable HTTP at `/mcp` (rmcp's `StreamableHttpService` inside
//! axum), the admin API at `/admin/v1`, the web view at `/ui` (`ui/`), `GET /healthz`. The
//! bearer and Host/Origin checks run before any MCP parsing; the token's name becomes the
//! request's [`crate::gateway::Identity`], hence its workspace.

mod admin;
mod app;
mod auth;
mod hosts;
mod mcp;
mod serve;
mod sessions;
mod tenants;
mod tokens;
mod ui;

pub use app::{Options, app};
pub use hosts::{LOOPBACK_HOSTS, is_loopback};
pub use serve::{Limits, serve};
pub use tenants::Tenants;
pub use tokens::LiveTokens;

/// The whole HTTP router over an empty catalog, for unit tests of its routes.
#[cfg(test)]
pub(crate) mod testing {
    /// The router with state in `home`; `anonymous` as `--allow-unauthenticated`.
    pub(crate) fn router(home: &crate::store::Home, anonymous: bool) -> axum::Router {
        let catalog = crate::catalog::Catalog::parse("t.yaml", "registry: {}\n").unwrap();
        let gateway = crate::gateway::Gateway::new(
            catalog,
            crate::store::Secrets::new(None, []),
            crate::gateway::Settings::default(),
            home.clone(),
        )
        .unwrap();
        let tokens = crate::http::LiveTokens::load(home.tokens(), None).unwrap();
        let options = crate::http::Options {
            tokens: std::sync::Arc::new(tokens),
            anonymous,
            allowed_hosts: Vec::new(),
            workspace_per_session: false,
            session_idle: None,
            max_sessions_per_token: 1,
        };
        let workspaces = crate::gateway::Workspaces::new(gateway);
        crate::http::app(workspaces, options, Default::default()).0
    }

    /// Sends one request (a `{}` body, Host `localhost`, the token if any) through `router`.
    pub(crate) async fn call(
        router: &axum::Router,
        method: &str,
        path: &str,
        token: Option<&str>,
    ) -> axum::response::Response {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request.body(axum::body::Body::from("{}")).unwrap();
        let mut router = router.clone();
        tower_service::Service::call(&mut router, request)
            .await
            .unwrap()
    }
}
