//! The JSON routes of the web view: who am I, the workspaces, search with why each result
//! matched, add and remove. Each resolves its workspace through [`Viewer`], never from what
//! the page claims.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_index::{ExactMatch, Explanation, Via};

use crate::catalog::CatalogEntry;
use crate::gateway::{Gateway, Workspace};
use crate::http::ui::UiState;
use crate::http::ui::auth::Viewer;
use crate::http::ui::error::UiError;

/// Results a search returns unless asked for fewer or more.
const DEFAULT_LIMIT: usize = 10;

/// `GET /ui/api/me`.
pub(crate) async fn me(
    State(state): State<UiState>,
    Extension(viewer): Extension<Viewer>,
) -> Json<Value> {
    let gateway = state.app.workspaces.gateway();
    Json(json!({
        "name": viewer.name,
        "kind": if viewer.admin { "admin" } else { "workspace" },
        "workspaces": viewer.visible(&state.app),
        "catalog": { "servers": gateway.catalog.catalog().len(), "search": gateway.catalog.mode().as_str() },
    }))
}

/// `GET /ui/api/workspaces`.
pub(crate) async fn workspaces(
    State(state): State<UiState>,
    Extension(viewer): Extension<Viewer>,
) -> Json<Value> {
    let views: Vec<Value> = viewer
        .visible(&state.app)
        .iter()
        .map(|id| workspace_view(&state, id, state.app.workspaces.find(id).as_deref()))
        .collect();
    Json(json!({ "workspaces": views }))
}

/// One workspace: its servers with what they still need (names only), and its sessions.
fn workspace_view(state: &UiState, id: &str, workspace: Option<&Workspace>) -> Value {
    let gateway = state.app.workspaces.gateway();
    let registry = state.app.sessions.registry();
    let sessions: Vec<Value> = registry
        .opened_of(id)
        .into_iter()
        .map(|(session, opened)| {
            let since = opened
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            // A prefix tells sessions apart; the whole id is not the page's business.
            let short: String = session.chars().take(8).collect();
            json!({ "id": short, "opened_ms": since })
        })
        .collect();
    let Some(workspace) = workspace else {
        return json!({
            "id": id, "owner": id, "open": false, "servers": [], "sessions": sessions,
            "preload_failures": [],
        });
    };
    let servers: Vec<Value> = workspace
        .status()
        .into_iter()
        .map(|status| {
            let entry = gateway.catalog.catalog().get(&status.name);
            let (missing_secrets, missing_config) =
                entry.map_or((Vec::new(), Vec::new()), |e| needs(workspace, e));
            json!({
                "name": status.name,
                "title": entry.map(|e| e.title.clone()),
                "state": if status.running { "running" } else { "stopped" },
                "container": status.container,
                "tools": status.tools,
                "prompts": status.prompts,
                "resources": status.resources,
                "missing_secrets": missing_secrets,
                "missing_config": missing_config,
            })
        })
        .collect();
    json!({
        "id": id,
        "owner": workspace.owner(),
        "open": true,
        "servers": servers,
        "sessions": sessions,
        "preload_failures": workspace.preload_failures(),
    })
}

/// The names of the secrets and config values `entry` still lacks in `workspace`.
fn needs(workspace: &Workspace, entry: &CatalogEntry) -> (Vec<String>, Vec<String>) {
    let secrets = crate::gateway::missing_secrets(entry, &workspace.secret_scope())
        .into_iter()
        .map(|s| s.name)
        .collect();
    let config = crate::gateway::missing_config(entry, &workspace.config(entry.name.as_str()));
    (secrets, config)
}

/// `GET /ui/api/search`.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchQuery {
    q: String,
    workspace: Option<String>,
    limit: Option<usize>,
}

/// `GET /ui/api/search?q=...`: `mcp-find`'s ranking (the same index, mode and limit
/// clamping), each result with what matched and why.
pub(crate) async fn search(
    State(state): State<UiState>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, UiError> {
    let workspace = match &query.workspace {
        Some(id) => viewer.peek(&state.app, id)?,
        None => None,
    };
    let gateway = state.app.workspaces.gateway().clone();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let text = query.q.clone();
    // The first hybrid query may embed the catalog: off the async threads.
    let searched = tokio::task::spawn_blocking(move || {
        let hits = gateway
            .catalog
            .index()
            .and_then(|index| index.search_explained(&text, limit));
        (gateway, hits)
    })
    .await;
    let (gateway, hits) = searched.map_err(|_| UiError::BadRequest("the search failed".into()))?;
    let hits = hits.map_err(|error| UiError::BadRequest(error.to_string()))?;
    let results: Vec<Value> = hits
        .iter()
        .filter_map(|(hit, why)| {
            let name = gateway.catalog.names().get(hit.doc)?;
            let entry = gateway.catalog.catalog().get(name)?;
            Some(result(&gateway, workspace.as_deref(), entry, hit, why))
        })
        .collect();
    Ok(Json(json!({
        "query": query.q,
        "mode": gateway.catalog.mode().as_str(),
        "results": results,
    })))
}

/// One search result, as `mcp-find` shows it, with `why`.
fn result(
    gateway: &Gateway,
    workspace: Option<&Workspace>,
    entry: &CatalogEntry,
    hit: &switchboard_index::Hit,
    why: &Explanation,
) -> Value {
    let by_words: HashSet<&str> = why
        .words
        .iter()
        .flat_map(|w| w.tools.iter().map(String::as_str))
        .collect();
    let matched: Vec<Value> = crate::catalog::matched_tools(entry, &hit.matched_tools)
        .into_iter()
        .map(|mut tool| {
            let words = tool["name"].as_str().is_some_and(|n| by_words.contains(n));
            tool["by"] = json!(if words { "words" } else { "meaning" });
            tool
        })
        .collect();
    let (added, missing_secrets, missing_config) = match workspace {
        Some(workspace) => {
            let (secrets, config) = needs(workspace, entry);
            (workspace.is_added(entry.name.as_str()), secrets, config)
        }
        None => {
            let unscoped = gateway.secrets.unscoped();
            let secrets = crate::gateway::missing_secrets(entry, &unscoped)
                .into_iter()
                .map(|s| s.name)
                .collect();
            let config = crate::gateway::missing_config(entry, &Default::default());
            (false, secrets, config)
        }
    };
    json!({
        "name": entry.name.as_str(),
        "title": entry.title,
        "description": entry.description,
        "type": entry.kind.as_str(),
        "score": hit.score,
        "tools": entry.tools.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "matched_tools": matched,
        "required_secrets": entry.secrets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        "missing_secrets": missing_secrets,
        "missing_config": missing_config,
        "added": added,
        "why": explanation(why),
    })
}

/// What the index says about one hit, as JSON.
fn explanation(why: &Explanation) -> Value {
    let words: Vec<Value> = why
        .words
        .iter()
        .map(|w| {
            let (found, via) = match &w.found {
                None => (Value::Null, Value::Null),
                Some(Via::Word) => (json!("word"), Value::Null),
                Some(Via::Synonym(s)) => (json!("synonym"), json!(s)),
                Some(Via::Spelling(s)) => (json!("spelling"), json!(s)),
            };
            json!({
                "word": w.word,
                "term": w.term,
                "found": found,
                "via": via,
                "fields": w.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                "tools": w.tools,
            })
        })
        .collect();
    json!({
        "words": words,
        "lexical": why.lexical,
        "semantic": why.semantic,
        "cosine": why.cosine,
        "exact": why.exact.map(|e| match e {
            ExactMatch::Name => "name",
            ExactMatch::Tool => "tool",
        }),
        "name_in_query": why.name_in_query,
    })
}

/// `POST /ui/api/workspaces/{id}/servers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddBody {
    server: String,
}

/// Adds a server as `mcp-add` does (the workspace's sessions get `list_changed`); a refusal
/// is `mcp-add`'s own answer, with 422.
pub(crate) async fn add(
    State(state): State<UiState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    body: Result<Json<AddBody>, JsonRejection>,
) -> Result<Json<Value>, UiError> {
    let Json(body) = body.map_err(|e| UiError::BadRequest(e.body_text()))?;
    let workspace: Arc<Workspace> = viewer.open(&state.app, &id)?;
    tracing::info!(
        workspace = id,
        server = body.server,
        by = viewer.name,
        "adding a server from the web view"
    );
    match workspace.add(&body.server, 0).await {
        Ok(outcome) => Ok(Json(json!({
            "server": body.server,
            "workspace": id,
            "status": if outcome.newly_added { "added" } else { "already_added" },
            "tools": outcome.tools.iter().map(|t| t.exposed.to_string()).collect::<Vec<_>>(),
        }))),
        Err(error) => {
            let refusal = crate::gateway::add_refusal(&body.server, error);
            let body = refusal
                .structured_content
                .unwrap_or_else(|| json!({ "error": "the server could not be added" }));
            Err(UiError::Refused { body })
        }
    }
}

/// `DELETE /ui/api/workspaces/{id}/servers/{server}`: as `mcp-remove` does.
pub(crate) async fn remove(
    State(state): State<UiState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, server)): Path<(String, String)>,
) -> Result<Json<Value>, UiError> {
    let workspace = viewer.peek(&state.app, &id)?;
    let removed = match workspace {
        Some(workspace) => workspace.remove(&server, 0).await,
        None => None,
    };
    match removed {
        Some((tools, _)) => {
            tracing::info!(
                workspace = id,
                server,
                by = viewer.name,
                "removed a server from the web view"
            );
            Ok(Json(json!({
                "server": server,
                "workspace": id,
                "status": "removed",
                "removed_tools": tools.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            })))
        }
        None => Err(UiError::NotFound(format!(
            "`{server}` is not added in workspace `{id}`, so there is nothing to remove"
        ))),
    }
}
