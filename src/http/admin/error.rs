//! What the admin API answers when it refuses: a status and a JSON body, `{"error": ...}`
//! plus, for invalid requests, every problem found.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// One thing wrong with a request, and where.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Problem {
    /// Where in the request, e.g. `servers[1]` or `config.filesystem`.
    pub(crate) field: String,
    pub(crate) message: String,
    /// The schema the value must follow, for config problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) config_schema: Option<Value>,
}

impl Problem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
            config_schema: None,
        }
    }
}

/// A refused admin request.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 400: every problem with the request; nothing was changed.
    Invalid {
        message: String,
        problems: Vec<Problem>,
    },
    /// 404: no such workspace, secret or server.
    NotFound(String),
    /// 409: the request conflicts with what exists.
    Conflict(String),
    /// 500: the gateway failed; the detail is logged.
    Internal(String),
}

impl ApiError {
    /// A failure of the state directory: logged in full, answered plainly.
    pub(crate) fn store(error: crate::store::Error) -> ApiError {
        let detail = crate::gateway::error_chain(&error);
        tracing::error!(error = %detail, "admin request failed in the state directory");
        ApiError::Internal(format!("the gateway could not update its state: {detail}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::Invalid { message, problems } => (
                StatusCode::BAD_REQUEST,
                json!({ "error": message, "problems": problems }),
            ),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, json!({ "error": message })),
            ApiError::Conflict(message) => (StatusCode::CONFLICT, json!({ "error": message })),
            ApiError::Internal(message) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": message }),
            ),
        };
        (status, Json(body)).into_response()
    }
}

/// A body axum could not read as the JSON the route takes, as a 400 in the same shape.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
        ApiError::Invalid {
            message: "the request body is not what this route takes".to_string(),
            problems: vec![Problem::new("body", rejection.body_text())],
        }
    }
}
