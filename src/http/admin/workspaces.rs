//! The `/admin/v1/workspaces` routes. A workspace is a workspace token's name; what it starts
//! with, its secrets and config live under `$SWITCHBOARD_HOME` like those set from the command
//! line, so a restarted gateway serves it the same way.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use rmcp::model::JsonObject;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::{CatalogEntry, SettingsError, apply_settings};
use crate::gateway::{ConfigChange, ConfigError, Gateway, unmet_needs, uses_secret};
use crate::http::admin::error::{ApiError, Problem};
use crate::http::app::AppState;
use crate::store::{ENV_TOKEN, Profile, Secret, TokenKind, valid_name, valid_secret_name};

/// Names no provisioned workspace may take: the environment's token and anonymous callers.
const RESERVED: [&str; 2] = [ENV_TOKEN, crate::http::auth::ANONYMOUS];

/// `POST /admin/v1/workspaces`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWorkspace {
    name: String,
    /// Catalog servers the workspace starts with.
    #[serde(default)]
    servers: Vec<String>,
    /// Secret name -> value, seen by this workspace only.
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    /// Server -> its config, checked against the server's schema.
    #[serde(default)]
    config: BTreeMap<String, JsonObject>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<NewWorkspace>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(new) = body?;
    let gateway = state.workspaces.gateway();
    let home = &gateway.home;
    let tokens = state.tokens.store();
    let _one = state.tenants.provisioning().await;
    let taken = tokens
        .list()
        .map_err(ApiError::store)?
        .iter()
        .any(|(name, _)| *name == new.name);
    if taken {
        return Err(ApiError::Conflict(format!(
            "a workspace or token named `{}` exists; delete it first or pick another name",
            new.name
        )));
    }
    let configs = check(gateway, &new)?;
    // A workspace of this name deleted earlier may have left files if the gateway died
    // halfway: start from nothing.
    home.delete_workspace(&new.name).map_err(ApiError::store)?;
    let token = write(gateway, &new, &configs).and_then(|()| {
        tokens
            .create_new(&new.name, TokenKind::Workspace)
            .map_err(ApiError::store)?
            .ok_or_else(|| ApiError::Conflict(format!("`{}` was created meanwhile", new.name)))
    });
    let token = match token {
        Ok(token) => token,
        Err(error) => {
            // Nothing half-made stays behind.
            let _ = home.delete_workspace(&new.name);
            return Err(error);
        }
    };
    state.tenants.refresh(true).await;
    tracing::info!(
        workspace = new.name,
        servers = new.servers.len(),
        secrets = new.secrets.len(),
        "workspace provisioned"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": new.name, "token": token, "mcp_url": mcp_url(&headers) })),
    ))
}

/// Every problem with a new workspace at once, or its config with defaults applied.
fn check(gateway: &Gateway, new: &NewWorkspace) -> Result<BTreeMap<String, JsonObject>, ApiError> {
    let catalog = gateway.catalog.catalog();
    let mut problems = Vec::new();
    if !valid_name(&new.name) {
        problems.push(Problem::new(
            "name",
            "use 1 to 64 letters, digits, `-` and `_` (it names the token and the workspace)",
        ));
    } else if RESERVED.contains(&new.name.as_str()) {
        problems.push(Problem::new("name", format!("`{}` is reserved", new.name)));
    }
    for (name, value) in &new.secrets {
        if !valid_secret_name(name) {
            problems.push(Problem::new(
                format!("secrets.{name}"),
                "secret names use letters, digits, `.`, `_` and `-`",
            ));
        } else if value.is_empty() {
            problems.push(Problem::new(
                format!("secrets.{name}"),
                "the value is empty",
            ));
        }
    }
    let mut configs = BTreeMap::new();
    for (server, values) in &new.config {
        let field = format!("config.{server}");
        match catalog.get(server) {
            None => problems.push(unknown_server(gateway, field, server)),
            Some(entry) => match apply_settings(entry, &JsonObject::new(), values.clone()) {
                Ok(config) => {
                    configs.insert(server.clone(), config);
                }
                Err(error) => problems.extend(config_problems(entry, field, error)),
            },
        }
    }
    let gateway_secrets = gateway.secrets.unscoped();
    for (i, server) in new.servers.iter().enumerate() {
        let field = format!("servers[{i}]");
        let Some(entry) = catalog.get(server) else {
            problems.push(unknown_server(gateway, field, server));
            continue;
        };
        let config = configs.get(server).cloned().unwrap_or_default();
        let given = |name: &str| new.secrets.contains_key(name);
        for need in unmet_needs(entry, &config, &gateway_secrets, &given) {
            problems.push(Problem::new(field.clone(), need));
        }
    }
    if problems.is_empty() {
        Ok(configs)
    } else {
        Err(ApiError::Invalid {
            message: format!(
                "the workspace was not created: {} problem(s); nothing was changed",
                problems.len()
            ),
            problems,
        })
    }
}

fn write(
    gateway: &Gateway,
    new: &NewWorkspace,
    configs: &BTreeMap<String, JsonObject>,
) -> Result<(), ApiError> {
    let home = &gateway.home;
    let secrets = home.workspace_secrets(&new.name);
    for (name, value) in &new.secrets {
        secrets
            .set(name, Secret::new(value.clone()))
            .map_err(ApiError::store)?;
    }
    let config = home.config(&new.name);
    for (server, values) in configs {
        config.save(server, values).map_err(ApiError::store)?;
    }
    if !new.servers.is_empty() {
        let profile = Profile {
            servers: new.servers.clone(),
        };
        home.profile(&new.name)
            .save(&profile)
            .map_err(ApiError::store)?;
    }
    Ok(())
}

fn unknown_server(gateway: &Gateway, field: String, server: &str) -> Problem {
    let close: Vec<String> = gateway
        .catalog
        .search(server, 3)
        .unwrap_or_default()
        .iter()
        .map(|(entry, _)| entry.name.to_string())
        .collect();
    Problem::new(
        field,
        format!(
            "there is no server `{server}` in the catalog (close names: {})",
            close.join(", ")
        ),
    )
}

fn config_problems(entry: &CatalogEntry, field: String, error: SettingsError) -> Vec<Problem> {
    let schema = entry.config_schema().cloned();
    let messages = match error {
        SettingsError::Invalid { violations, .. } => violations,
        other => vec![other.to_string()],
    };
    messages
        .into_iter()
        .map(|message| Problem {
            field: field.clone(),
            message,
            config_schema: schema.clone(),
        })
        .collect()
}

/// Where clients of this gateway reach `/mcp`, as the platform called us.
fn mcp_url(headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = text("x-forwarded-proto").unwrap_or("http");
    let host = text(header::HOST.as_str()).unwrap_or("127.0.0.1");
    format!("{scheme}://{host}/mcp")
}

/// `GET /admin/v1/workspaces`.
pub(crate) async fn list(State(state): State<AppState>) -> Json<Value> {
    let current = state.tokens.current();
    let mut names: Vec<&str> = current
        .grants()
        .filter(|g| g.kind == TokenKind::Workspace)
        .map(|g| g.name.as_str())
        .collect();
    names.sort_unstable();
    let workspaces: Vec<Value> = names.iter().map(|name| summary(&state, name)).collect();
    Json(json!({ "workspaces": workspaces }))
}

fn summary(state: &AppState, name: &str) -> Value {
    let open = state.workspaces.of(name);
    let profile = profile(state, name);
    json!({
        "name": name,
        "servers": profile.servers,
        "open": !open.is_empty(),
        "sessions": state.sessions.registry().count(name),
        "containers": open.iter().map(|w| w.live()).sum::<usize>(),
    })
}

fn profile(state: &AppState, name: &str) -> Profile {
    let gateway = state.workspaces.gateway();
    gateway.home.profile(name).load().unwrap_or_else(|error| {
        tracing::warn!(workspace = name, error = %error, "cannot read a workspace's profile");
        Profile::default()
    })
}

fn known(state: &AppState, name: &str) -> Result<(), ApiError> {
    if state.tokens.current().has_workspace(name) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "there is no workspace `{name}`"
        )))
    }
}

/// `GET /admin/v1/workspaces/{name}`: what it starts with and runs; secret names, never
/// values.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    known(&state, &name)?;
    let home = &state.workspaces.gateway().home;
    let open: Vec<Value> = state
        .workspaces
        .of(&name)
        .iter()
        .map(|w| {
            json!({
                "id": w.id(),
                "servers": w.status(),
                "preload_failures": w.preload_failures(),
            })
        })
        .collect();
    let secrets = home
        .workspace_secrets(&name)
        .names()
        .map_err(ApiError::store)?;
    let config = home.config(&name).load().map_err(ApiError::store)?;
    Ok(Json(json!({
        "name": name,
        "servers": profile(&state, &name).servers,
        "sessions": state.sessions.registry().count(&name),
        "open": open,
        "secrets": secrets,
        "config": config,
    })))
}

/// `DELETE /admin/v1/workspaces/{name}`: the token stops working, sessions close, containers
/// go, and its secrets, config and profile are deleted.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _one = state.tenants.provisioning().await;
    known(&state, &name)?;
    if name == ENV_TOKEN {
        return Err(ApiError::Conflict(
            "the `env` workspace's token comes from SWITCHBOARD_TOKEN; unset it and restart the gateway".to_string(),
        ));
    }
    state
        .tokens
        .store()
        .remove(&name)
        .map_err(ApiError::store)?;
    state.tenants.refresh(true).await;
    let home = &state.workspaces.gateway().home;
    home.delete_workspace(&name).map_err(ApiError::store)?;
    tracing::info!(workspace = name, "workspace deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /admin/v1/workspaces/{name}/secrets/{secret}`: the body is the value. Servers of the
/// workspace that read it are restarted with it.
pub(crate) async fn put_secret(
    State(state): State<AppState>,
    Path((name, secret)): Path<(String, String)>,
    value: String,
) -> Result<StatusCode, ApiError> {
    known(&state, &name)?;
    let mut problems = Vec::new();
    if !valid_secret_name(&secret) {
        problems.push(Problem::new(
            "secret",
            "secret names use letters, digits, `.`, `_` and `-`",
        ));
    }
    if value.is_empty() {
        problems.push(Problem::new(
            "body",
            "the body is the secret's value and is empty",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid {
            message: "the secret was not set".to_string(),
            problems,
        });
    }
    let home = &state.workspaces.gateway().home;
    home.workspace_secrets(&name)
        .set(&secret, Secret::new(value))
        .map_err(ApiError::store)?;
    restart_users(&state, &name, &secret).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /admin/v1/workspaces/{name}/secrets/{secret}`.
pub(crate) async fn delete_secret(
    State(state): State<AppState>,
    Path((name, secret)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    known(&state, &name)?;
    let home = &state.workspaces.gateway().home;
    let removed = home
        .workspace_secrets(&name)
        .remove(&secret)
        .map_err(ApiError::store)?;
    if !removed {
        return Err(ApiError::NotFound(format!(
            "workspace `{name}` has no secret `{secret}`"
        )));
    }
    restart_users(&state, &name, &secret).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Restarts the added servers of `name`'s open workspaces that read `secret`, so they run with
/// its new value (or without it).
async fn restart_users(state: &AppState, name: &str, secret: &str) {
    let catalog = state.workspaces.gateway().catalog.catalog();
    for workspace in state.workspaces.of(name) {
        for server in workspace.added() {
            if !catalog.get(&server).is_some_and(|e| uses_secret(e, secret)) {
                continue;
            }
            if let Err(error) = workspace.reconfigure(&server, 0).await {
                tracing::warn!(workspace = workspace.id(), server, error = %crate::gateway::error_chain(&error), "restarting a server after its secret changed failed; it keeps its old value");
            }
        }
    }
}

/// `PUT /admin/v1/workspaces/{name}/config/{server}`: the body is the server's whole config,
/// checked like `mcp-config-set` checks it; an added server is restarted with it.
pub(crate) async fn put_config(
    State(state): State<AppState>,
    Path((name, server)): Path<(String, String)>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    known(&state, &name)?;
    let Json(values) = body?;
    let gateway = state.workspaces.gateway();
    let Some(entry) = gateway.catalog.catalog().get(&server) else {
        return Err(ApiError::NotFound(format!(
            "there is no server `{server}` in the catalog"
        )));
    };
    let invalid = |error: SettingsError| ApiError::Invalid {
        message: format!("the config of `{server}` was not changed"),
        problems: config_problems(entry, "body".to_string(), error),
    };
    let config = match state.workspaces.find(&name) {
        Some(workspace) => {
            let config = workspace
                .update_config(entry, values, ConfigChange::Replace)
                .await
                .map_err(|error| match error {
                    ConfigError::Invalid(error) => invalid(error),
                    ConfigError::Save(error) => ApiError::store(error),
                })?;
            if let Err(error) = workspace.reconfigure(&server, 0).await {
                tracing::warn!(workspace = name, server, error = %crate::gateway::error_chain(&error), "restarting a server with its new config failed; it keeps its old one");
            }
            config
        }
        None => {
            let config = apply_settings(entry, &JsonObject::new(), values).map_err(invalid)?;
            gateway
                .home
                .config(&name)
                .save(&server, &config)
                .map_err(ApiError::store)?;
            config
        }
    };
    Ok(Json(json!({ "server": server, "config": config })))
}
