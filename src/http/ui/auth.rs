//! Who is looking: the bearer token of a `/ui/api` request, and which workspaces it may see
//! and act on. Checked on the server for every route; the page only mirrors it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::gateway::{Identity, Workspace};
use crate::http::app::AppState;
use crate::http::ui::UiState;
use crate::http::ui::error::UiError;
use crate::store::{Grant, TokenKind};

/// The caller of a `/ui/api` route, set by [`require`].
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub(crate) name: String,
    pub(crate) admin: bool,
    /// The token's hash: a stream ends once the token no longer opens anything.
    pub(crate) hash: [u8; 32],
}

/// Every `/ui/api` route: a workspace or admin token, or 401.
pub(crate) async fn require(
    State(state): State<UiState>,
    mut request: Request,
    next: Next,
) -> Response {
    match crate::http::auth::presented(&state.app, request.headers()) {
        Some(Grant { name, kind, hash }) => {
            let admin = kind == TokenKind::Admin;
            request
                .extensions_mut()
                .insert(Viewer { name, admin, hash });
            next.run(request).await
        }
        None => {
            let presented = request
                .headers()
                .contains_key(axum::http::header::AUTHORIZATION);
            tracing::warn!(
                presented,
                area = "ui",
                "rejected an unauthenticated request"
            );
            state
                .app
                .workspaces
                .gateway()
                .metrics
                .request("unauthorized");
            UiError::Unauthorized.into_response()
        }
    }
}

impl Viewer {
    /// Whether the token still opens what it opened when the request began.
    pub(crate) fn still_valid(&self, state: &AppState) -> bool {
        state.tokens.current().grants().any(|g| g.hash == self.hash)
    }

    /// Whether a workspace id belongs to this viewer: its own, or one of its sessions'
    /// (`NAME.session-N`; token names never contain `.`). Admins see every workspace.
    pub(crate) fn owns(&self, id: &str) -> bool {
        self.admin
            || id == self.name
            || id
                .strip_prefix(self.name.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    }

    /// The workspace ids this viewer sees, sorted: a workspace token's own (open or not yet)
    /// and its sessions'; for an admin every workspace token's and every open one.
    pub(crate) fn visible(&self, state: &AppState) -> Vec<String> {
        let mut ids: Vec<String> = if self.admin {
            let tokens = state.tokens.current();
            tokens
                .grants()
                .filter(|g| g.kind == TokenKind::Workspace)
                .map(|g| g.name.clone())
                .chain(state.workspaces.all().iter().map(|w| w.id().to_string()))
                .collect()
        } else {
            std::iter::once(self.name.clone())
                .chain(
                    state
                        .workspaces
                        .of(&self.name)
                        .iter()
                        .map(|w| w.id().to_string()),
                )
                .collect()
        };
        ids.sort();
        ids.dedup();
        ids
    }

    /// Workspace `id` to act on, opened if it is a token's own and has no session yet (as
    /// its first MCP request would open it); 404 if this viewer may not see it.
    pub(crate) fn open(&self, state: &AppState, id: &str) -> Result<Arc<Workspace>, UiError> {
        if !self.owns(id) {
            return Err(UiError::no_workspace(id));
        }
        let found = if state.tokens.current().has_workspace(id) {
            state.workspaces.get(&Identity(id.to_string()))
        } else {
            state.workspaces.find(id)
        };
        found.ok_or_else(|| UiError::no_workspace(id))
    }

    /// Workspace `id` as it is now, without opening it; `Ok(None)` if it is visible but not
    /// open yet.
    pub(crate) fn peek(
        &self,
        state: &AppState,
        id: &str,
    ) -> Result<Option<Arc<Workspace>>, UiError> {
        if !self.owns(id) || !self.visible(state).iter().any(|v| v == id) {
            return Err(UiError::no_workspace(id));
        }
        Ok(state.workspaces.find(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_token_owns_its_own_and_its_sessions_only() {
        let alice = Viewer {
            name: "alice".into(),
            admin: false,
            hash: [0; 32],
        };
        assert!(alice.owns("alice"));
        assert!(alice.owns("alice.session-3"));
        assert!(!alice.owns("alicex"));
        assert!(!alice.owns("alice-2"));
        assert!(!alice.owns("bob"));
        assert!(!alice.owns("bob.session-1"));
        let ops = Viewer {
            admin: true,
            ..alice
        };
        assert!(ops.owns("bob"));
    }
}
