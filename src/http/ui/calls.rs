//! `GET /ui/api/calls`: the call log's live records as server-sent events, only those of the
//! workspaces the token sees (filtered here, before anything is sent). The page reads it with
//! `fetch()` so the token travels in the Authorization header, never in the URL.
//!
//! Events: `ready` once the stream is open, `call` per record (time, workspace, kind,
//! server, tool/prompt/uri, duration, outcome, error kind, sizes; never arguments or results),
//! `lagged` when the page fell behind and missed some. A comment every [`PING`] keeps proxies
//! from closing it; the stream ends when the gateway stops or the token stops working.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Extension, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::calllog::CallRecord;
use crate::http::ui::UiState;
use crate::http::ui::auth::Viewer;
use crate::http::ui::error::UiError;

/// How often an idle stream sends a comment (and checks the token still works).
const PING: Duration = Duration::from_secs(15);

/// `?workspace=ID`: only that workspace's calls.
#[derive(Debug, Deserialize)]
pub(crate) struct CallsQuery {
    workspace: Option<String>,
}

pub(crate) async fn stream(
    State(state): State<UiState>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<CallsQuery>,
) -> Result<Response, UiError> {
    if let Some(id) = &query.workspace {
        viewer.peek(&state.app, id)?;
    }
    let follow = Follow {
        records: state.app.workspaces.gateway().calls.subscribe(),
        ticks: tokio::time::interval_at(tokio::time::Instant::now() + PING, PING),
        state,
        viewer,
        only: query.workspace,
        opened: false,
    };
    let events = futures::stream::unfold(follow, |mut follow| async move {
        let event = follow.next().await?;
        Some((Ok::<_, std::convert::Infallible>(event), follow))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(events),
    )
        .into_response())
}

/// One viewer's live stream.
struct Follow {
    records: tokio::sync::broadcast::Receiver<Arc<CallRecord>>,
    ticks: tokio::time::Interval,
    state: UiState,
    viewer: Viewer,
    only: Option<String>,
    opened: bool,
}

impl Follow {
    /// The next event's text; `None` ends the stream.
    async fn next(&mut self) -> Option<String> {
        if !self.opened {
            self.opened = true;
            return Some("retry: 2000\nevent: ready\ndata: {}\n\n".to_string());
        }
        loop {
            tokio::select! {
                () = self.state.shutdown.cancelled() => return None,
                _ = self.ticks.tick() => {
                    if !self.viewer.still_valid(&self.state.app) {
                        return None;
                    }
                    return Some(": ping\n\n".to_string());
                }
                record = self.records.recv() => match record {
                    Ok(record) if self.shows(&record) => {
                        if !self.viewer.still_valid(&self.state.app) {
                            return None;
                        }
                        return Some(format!("event: call\ndata: {}\n\n", view(&record)));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        return Some(format!("event: lagged\ndata: {}\n\n", json!({ "missed": missed })));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }

    fn shows(&self, record: &CallRecord) -> bool {
        match &self.only {
            Some(id) => record.workspace == *id,
            None => self.viewer.owns(&record.workspace),
        }
    }
}

/// A record as the page shows it: everything but arguments and results.
fn view(record: &CallRecord) -> serde_json::Value {
    json!({
        "time": record.time,
        "workspace": record.workspace,
        "session": record.session,
        "kind": record.kind,
        "server": record.server,
        "tool": record.tool,
        "prompt": record.prompt,
        "uri": record.uri,
        "duration_ms": record.duration_ms,
        "outcome": record.outcome,
        "error_kind": record.error_kind,
        "request_bytes": record.request_bytes,
        "response_bytes": record.response_bytes,
    })
}
