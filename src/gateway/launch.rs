//! Turning a catalog entry, its config and the secrets into a container to start, checking
//! everything first so that a failed `mcp-add` touches nothing.

use serde_json::{Map, Value};

use crate::catalog::{self, CatalogEntry, SecretSpec, ServerKind};
use crate::gateway::Settings;
use crate::gateway::mounts::{self, MountRefused};
use crate::runtime::{ContainerSpec, EnvValue, EnvVar};
use crate::store::Secrets;

/// Why a server cannot be started as things stand; each says what the user must do.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(
        "`{server}` is a {kind} server; this gateway runs only `type: server` (container) entries so far"
    )]
    UnsupportedKind { server: String, kind: &'static str },
    #[error("`{server}` needs secrets that are not set: {}. Secrets never pass through the model: ask the user to run {} (it reads the value from stdin), then call mcp-add again", names(.missing), commands(.missing))]
    MissingSecrets {
        server: String,
        missing: Vec<SecretSpec>,
    },
    #[error("`{server}` needs config values that are not set: {}. Call mcp-config-set with {{\"server\": \"{server}\", \"config\": {{...}}}} first", .missing.join(", "))]
    MissingConfig {
        server: String,
        missing: Vec<String>,
    },
    #[error(
        "`{server}` asks for a mount the gateway refuses: {source}. Change the config value that names this path (mcp-config-set), or start the gateway with `--allow-write PATH` if the server must write there"
    )]
    Mount {
        server: String,
        #[source]
        source: MountRefused,
    },
    #[error("`{server}` has a catalog template the gateway cannot fill")]
    Template {
        server: String,
        #[source]
        source: catalog::TemplateError,
    },
}

fn names(secrets: &[SecretSpec]) -> String {
    secrets
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn commands(secrets: &[SecretSpec]) -> String {
    secrets
        .iter()
        .map(|s| format!("`switchboard secret set {}`", s.name))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Secrets of `entry` that `secrets` cannot supply.
pub(crate) fn missing_secrets(entry: &CatalogEntry, secrets: &Secrets) -> Vec<SecretSpec> {
    entry
        .secrets
        .iter()
        .filter(|s| secrets.lookup(s).is_none())
        .cloned()
        .collect()
}

/// Required config keys of `entry` that `config` lacks.
pub(crate) fn missing_config(entry: &CatalogEntry, config: &Map<String, Value>) -> Vec<String> {
    let Some(required) = entry
        .config_schema()
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    required
        .iter()
        .filter_map(Value::as_str)
        .filter(|key| config.get(*key).is_none_or(Value::is_null))
        .map(str::to_string)
        .collect()
}

/// Everything needed to start `entry` for `workspace`, or what is missing.
pub(crate) fn container_spec(
    entry: &CatalogEntry,
    workspace: &str,
    config: &Map<String, Value>,
    secrets: &Secrets,
    settings: &Settings,
) -> Result<ContainerSpec, LaunchError> {
    let server = entry.name.to_string();
    let image = match (entry.kind, entry.image.as_deref()) {
        (ServerKind::Server, Some(image)) => image.to_string(),
        (kind, _) => {
            return Err(LaunchError::UnsupportedKind {
                server,
                kind: kind.as_str(),
            });
        }
    };
    let missing = missing_secrets(entry, secrets);
    if !missing.is_empty() {
        return Err(LaunchError::MissingSecrets { server, missing });
    }
    let missing = missing_config(entry, config);
    if !missing.is_empty() {
        return Err(LaunchError::MissingConfig { server, missing });
    }
    // Templates read `{{server.key}}`, so the config is nested under the server's name.
    let scope = Value::Object(Map::from_iter([(
        server.clone(),
        Value::Object(config.clone()),
    )]));
    let fill = |template: &str| {
        catalog::fill(template, &scope).map_err(|source| LaunchError::Template {
            server: server.clone(),
            source,
        })
    };
    let mut env = Vec::new();
    for spec in &entry.env {
        let value = EnvValue::Plain(fill(&spec.value.0)?.join(","));
        env.push(EnvVar {
            name: spec.name.clone(),
            value,
        });
    }
    for spec in &entry.secrets {
        if let Some(secret) = secrets.lookup(spec) {
            env.push(EnvVar {
                name: spec.env.clone(),
                value: EnvValue::Secret(secret),
            });
        }
    }
    let mut command = Vec::new();
    for item in &entry.command {
        command.extend(fill(&item.0)?);
    }
    let mut volumes = Vec::new();
    for item in &entry.volumes {
        // A volume whose source is an unset setting is skipped rather than mounted as ":/x".
        for volume in fill(&item.0)?
            .into_iter()
            .filter(|v| !v.starts_with(':') && !v.is_empty())
        {
            let checked = mounts::check(&volume, &settings.writable, settings.user_home.as_deref())
                .map_err(|source| LaunchError::Mount {
                    server: server.clone(),
                    source,
                })?;
            volumes.push(checked);
        }
    }
    let user = match &entry.user {
        Some(user) => Some(fill(&user.0)?.join("")).filter(|u| !u.is_empty()),
        None => None,
    };
    Ok(ContainerSpec {
        server: server.clone(),
        workspace: workspace.to_string(),
        image,
        command,
        env,
        volumes,
        user,
        disable_network: entry.disable_network,
        limits: settings.limits,
    })
}
