//! The provisioning API for platforms, at `/admin/v1`, behind admin tokens: create a
//! workspace (its token, servers, secrets and config) for each sandbox, inspect it, change its
//! secrets and config, delete it with everything it ran. `openapi.json` describes all of it; a
//! test keeps [`ROUTES`] and the document in step.

mod error;
mod workspaces;

use axum::Router;
use axum::routing::{get, put};

use crate::http::app::AppState;

/// Every route of the API, as `(method, path)` in the OpenAPI document's spelling; the tests
/// check it against both the document and [`router`].
#[cfg(test)]
const ROUTES: [(&str, &str); 8] = [
    ("get", "/admin/v1/openapi.json"),
    ("get", "/admin/v1/workspaces"),
    ("post", "/admin/v1/workspaces"),
    ("get", "/admin/v1/workspaces/{name}"),
    ("delete", "/admin/v1/workspaces/{name}"),
    ("put", "/admin/v1/workspaces/{name}/secrets/{secret}"),
    ("delete", "/admin/v1/workspaces/{name}/secrets/{secret}"),
    ("put", "/admin/v1/workspaces/{name}/config/{server}"),
];

/// The OpenAPI 3 document of this API.
pub(crate) const OPENAPI: &str = include_str!("openapi.json");

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/admin/v1/openapi.json", get(openapi))
        .route(
            "/admin/v1/workspaces",
            get(workspaces::list).post(workspaces::create),
        )
        .route(
            "/admin/v1/workspaces/{name}",
            get(workspaces::show).delete(workspaces::delete),
        )
        .route(
            "/admin/v1/workspaces/{name}/secrets/{secret}",
            put(workspaces::put_secret).delete(workspaces::delete_secret),
        )
        .route(
            "/admin/v1/workspaces/{name}/config/{server}",
            put(workspaces::put_config),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::auth::admin,
        ))
        .with_state(state)
}

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route is documented, and the document names no route that does not exist.
    #[test]
    fn the_openapi_document_matches_the_routes() {
        let document: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        assert!(
            document["openapi"].as_str().unwrap().starts_with("3."),
            "an OpenAPI 3 document"
        );
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                    documented.push((method.clone(), path.clone()));
                }
            }
        }
        documented.sort();
        let mut routes: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        routes.sort();
        assert_eq!(documented, routes, "the document and ROUTES differ");
        // Each operation documents the admin-token refusal and at least one success.
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                let responses = operation["responses"].as_object().unwrap();
                assert!(responses.contains_key("401"), "{method} {path}: 401");
                assert!(
                    responses.keys().any(|code| code.starts_with('2')),
                    "{method} {path}: a 2xx"
                );
            }
        }
    }

    /// Each route in [`ROUTES`] exists in the router: without a token it is refused (401);
    /// with an admin token it is answered by its handler (never the router's 404 or 405).
    #[tokio::test]
    async fn every_listed_route_is_served() {
        let dir = tempfile::tempdir().unwrap();
        let home = crate::store::Home::resolve(Some(dir.path().display().to_string()), None);
        let admin = home
            .tokens()
            .create("ops", crate::store::TokenKind::Admin)
            .unwrap();
        let router = crate::http::testing::router(&home, false);
        let call = |method: &str, path: &str, token: Option<&str>| {
            let path = path
                .replace("{name}", "w")
                .replace("{secret}", "s")
                .replace("{server}", "x");
            let method = method.to_uppercase();
            let token = token.map(str::to_string);
            let router = &router;
            async move {
                let response =
                    crate::http::testing::call(router, &method, &path, token.as_deref()).await;
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (status, String::from_utf8_lossy(&body).into_owned())
            }
        };
        for (method, path) in ROUTES {
            assert_eq!(call(method, path, None).await.0, 401, "{method} {path}");
            let (status, body) = call(method, path, Some(&admin)).await;
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                status != 404 || body.contains("\"error\""),
                "{method} {path}: the router's 404, not the handler's: {body}"
            );
        }
        let (status, _) = call("patch", "/admin/v1/workspaces", Some(&admin)).await;
        assert_eq!(status, 405);
        let (status, _) = call("get", "/admin/v1/nothing-here", Some(&admin)).await;
        assert_eq!(status, 404);
    }
}
