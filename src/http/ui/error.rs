//! What the web view's API answers when it refuses: a status and `{"error": ...}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A refused `/ui/api` request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UiError {
    /// 401: no token, or one the gateway does not accept.
    #[error("this token is not accepted: sign in with a workspace or admin token")]
    Unauthorized,
    /// 404: no such workspace or server, or one this token may not see.
    #[error("{0}")]
    NotFound(String),
    /// 400: the request itself is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 422: the gateway would not do it; `body` is what the model would read (`mcp-add`'s
    /// refusal), `{"error": ...}` with details.
    #[error("refused")]
    Refused { body: Value },
}

impl UiError {
    /// The 404 for a workspace this token cannot see, worded the same whether it exists.
    pub(crate) fn no_workspace(id: &str) -> UiError {
        UiError::NotFound(format!("there is no workspace `{id}` for this token"))
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let status = match &self {
            UiError::Unauthorized => StatusCode::UNAUTHORIZED,
            UiError::NotFound(_) => StatusCode::NOT_FOUND,
            UiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            UiError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let body = match self {
            UiError::Refused { body } => body,
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"switchboard\""),
            );
        }
        response
    }
}
