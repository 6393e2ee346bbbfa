//! Turning a catalog entry, its config and the secrets into a container to start or a remote
//! endpoint to connect to, checking everything first so that a failed `mcp-add` touches nothing.

use serde_json::{Map, Value};

use crate::catalog::{self, CatalogEntry, SecretSpec, ServerKind};
use crate::gateway::Settings;
use crate::gateway::mounts::{self, MountRefused};
use crate::runtime::{ContainerSpec, EnvValue, EnvVar};
use crate::store::{Secret, SecretScope};
use crate::upstream::{Endpoint, Header, Transport};

/// How to bring up one added server.
#[derive(Debug, Clone)]
pub(crate) enum LaunchSpec {
    Container(ContainerSpec),
    Remote(Endpoint),
}

/// Why a server cannot be started as things stand; each says what the user must do.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(
        "`{server}` is a {kind} server (one container per tool), which this gateway cannot run yet"
    )]
    UnsupportedKind { server: String, kind: &'static str },
    #[error(
        "`{server}` uses the `{transport}` transport; this gateway connects to remote servers over streamable HTTP or SSE"
    )]
    UnsupportedTransport { server: String, transport: String },
    #[error(
        "`{server}` signs users in with OAuth ({provider}), which this gateway cannot do yet. If the user has an access token for it, they can store it with `{command}` (it is sent as a bearer token), then call mcp-add again"
    )]
    NeedsOAuth {
        server: String,
        provider: String,
        /// The command that stores the token where this workspace finds it.
        command: String,
    },
    #[error("`{server}` has no `remote.url` in the catalog")]
    NoRemoteUrl { server: String },
    #[error(
        "`{server}`'s catalog header `{header}` uses `${{{variable}}}`, which none of its secrets or env entries provides"
    )]
    UnknownVariable {
        server: String,
        header: String,
        variable: String,
    },
    #[error("`{server}` needs secrets that are not set: {}. Secrets never pass through the model: ask the user to run {} (it reads the value from stdin), then call mcp-add again", names(.missing), quoted(.commands))]
    MissingSecrets {
        server: String,
        missing: Vec<SecretSpec>,
        /// For each missing secret, the command that sets it where this workspace finds it.
        commands: Vec<String>,
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

fn quoted(commands: &[String]) -> String {
    commands
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Secrets of `entry` that `secrets` cannot supply, the OAuth token of a remote server included.
pub(crate) fn missing_secrets(entry: &CatalogEntry, secrets: &SecretScope<'_>) -> Vec<SecretSpec> {
    entry
        .secrets
        .iter()
        .cloned()
        .chain(oauth_token(entry))
        .filter(|s| secrets.lookup(s).is_none())
        .collect()
}

/// What keeps `entry` from starting with `config` (its defaults applied) and the secrets
/// `secrets` finds or `given` names: one sentence per problem, none when it can start.
pub fn unmet_needs(
    entry: &CatalogEntry,
    config: &Map<String, Value>,
    secrets: &SecretScope<'_>,
    given: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let server = entry.name.as_str();
    let startable = match entry.kind {
        ServerKind::Server => entry.image.is_some(),
        ServerKind::Remote => true,
        ServerKind::Poci => false,
    };
    if !startable {
        return vec![format!(
            "`{server}` is a {} server, which this gateway cannot start",
            entry.kind.as_str()
        )];
    }
    let mut problems: Vec<String> = missing_secrets(entry, secrets)
        .into_iter()
        .filter(|s| !given(&s.name))
        .map(|s| format!("`{server}` needs the secret `{}`", s.name))
        .collect();
    problems.extend(
        missing_config(entry, config)
            .into_iter()
            .map(|key| format!("`{server}` needs the config value `{key}`")),
    );
    problems
}

/// Whether `entry` reads the secret `name` (as a variable, or as its OAuth token).
pub fn uses_secret(entry: &CatalogEntry, name: &str) -> bool {
    entry.secrets.iter().any(|s| s.name == name)
        || oauth_token(entry).is_some_and(|s| s.name == name)
}

/// The secret holding the OAuth token of a remote server that is sent as its bearer token (when
/// the catalog does not set `Authorization` itself).
fn oauth_token(entry: &CatalogEntry) -> Option<SecretSpec> {
    let sets_auth = entry.remote.as_ref().is_some_and(|r| {
        r.headers
            .keys()
            .any(|h| h.eq_ignore_ascii_case("authorization"))
    });
    let provider = entry.oauth.as_ref()?.providers.first()?;
    (!sets_auth).then(|| SecretSpec {
        name: provider.secret.clone(),
        env: provider.env.clone(),
    })
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
pub(crate) fn launch_spec(
    entry: &CatalogEntry,
    workspace: &str,
    config: &Map<String, Value>,
    secrets: &SecretScope<'_>,
    settings: &Settings,
) -> Result<LaunchSpec, LaunchError> {
    let server = entry.name.to_string();
    match (entry.kind, entry.image.as_deref()) {
        (ServerKind::Server, Some(image)) => {
            check_settings(entry, config, secrets)?;
            container_spec(entry, image, workspace, config, secrets, settings)
                .map(LaunchSpec::Container)
        }
        (ServerKind::Remote, _) => {
            // Said first: the generic missing-secret message would not explain OAuth.
            if let (Some(token), Some(provider)) = (
                oauth_token(entry),
                entry.oauth.as_ref().and_then(|o| o.providers.first()),
            ) && secrets.lookup(&token).is_none()
            {
                return Err(LaunchError::NeedsOAuth {
                    server,
                    provider: provider.provider.clone(),
                    command: secrets.set_command(&token.name),
                });
            }
            check_settings(entry, config, secrets)?;
            endpoint(entry, config, secrets).map(LaunchSpec::Remote)
        }
        (kind, _) => Err(LaunchError::UnsupportedKind {
            server,
            kind: kind.as_str(),
        }),
    }
}

/// Every secret and required config value is there.
fn check_settings(
    entry: &CatalogEntry,
    config: &Map<String, Value>,
    secrets: &SecretScope<'_>,
) -> Result<(), LaunchError> {
    let server = entry.name.to_string();
    let missing = missing_secrets(entry, secrets);
    if !missing.is_empty() {
        let commands = missing
            .iter()
            .map(|s| secrets.set_command(&s.name))
            .collect();
        return Err(LaunchError::MissingSecrets {
            server,
            missing,
            commands,
        });
    }
    let missing = missing_config(entry, config);
    if !missing.is_empty() {
        return Err(LaunchError::MissingConfig { server, missing });
    }
    Ok(())
}

/// `{{server.key}}` templates of `entry`, filled from `config`.
fn filler<'a>(
    entry: &'a CatalogEntry,
    config: &Map<String, Value>,
) -> impl Fn(&str) -> Result<Vec<String>, LaunchError> + 'a {
    // Templates read `{{server.key}}`, so the config is nested under the server's name.
    let scope = Value::Object(Map::from_iter([(
        entry.name.to_string(),
        Value::Object(config.clone()),
    )]));
    move |template: &str| {
        catalog::fill(template, &scope).map_err(|source| LaunchError::Template {
            server: entry.name.to_string(),
            source,
        })
    }
}

/// The remote endpoint of `entry`: its URL and headers, with `${VAR}` in header values
/// replaced by the secret (or env entry) of that variable name. OAuth servers get their token,
/// kept as a secret, as a bearer token.
fn endpoint(
    entry: &CatalogEntry,
    config: &Map<String, Value>,
    secrets: &SecretScope<'_>,
) -> Result<Endpoint, LaunchError> {
    let server = entry.name.to_string();
    let Some(remote) = &entry.remote else {
        return Err(LaunchError::NoRemoteUrl { server });
    };
    let transport = match remote
        .transport_type
        .as_deref()
        .unwrap_or("streamable-http")
    {
        "streamable-http" | "http" => Transport::StreamableHttp,
        "sse" => Transport::Sse,
        other => {
            return Err(LaunchError::UnsupportedTransport {
                server,
                transport: other.to_string(),
            });
        }
    };
    let fill = filler(entry, config);
    let url = fill(&remote.url)?.join("");
    let mut variables: Vec<(String, EnvValue)> = Vec::new();
    for spec in &entry.secrets {
        if let Some(secret) = secrets.lookup(spec) {
            variables.push((spec.env.clone(), EnvValue::Secret(secret)));
        }
    }
    for spec in &entry.env {
        variables.push((
            spec.name.clone(),
            EnvValue::Plain(fill(&spec.value.0)?.join(",")),
        ));
    }
    let mut headers = Vec::new();
    for (name, value) in &remote.headers {
        let template = fill(&value.0)?.join(",");
        let value =
            substitute(&template, &variables).map_err(|variable| LaunchError::UnknownVariable {
                server: server.clone(),
                header: name.clone(),
                variable,
            })?;
        headers.push(Header {
            name: name.clone(),
            value,
        });
    }
    if let Some(token) = oauth_token(entry).and_then(|spec| secrets.lookup(&spec)) {
        headers.push(Header {
            name: "Authorization".to_string(),
            value: EnvValue::Secret(Secret::new(format!("Bearer {}", token.expose()))),
        });
    }
    Ok(Endpoint {
        url,
        transport,
        headers,
    })
}

/// `template` with each `${NAME}` replaced by that variable's value; the result is secret if
/// any secret went in. Fails with the name of a variable nobody provides.
fn substitute(template: &str, variables: &[(String, EnvValue)]) -> Result<EnvValue, String> {
    let mut out = String::new();
    let mut secret = false;
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + 2 + len];
        let value = variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| name.to_string())?;
        out.push_str(&rest[..start]);
        out.push_str(value.expose());
        secret |= value.secret().is_some();
        rest = &rest[start + 2 + len + 1..];
    }
    out.push_str(rest);
    Ok(if secret {
        EnvValue::Secret(Secret::new(out))
    } else {
        EnvValue::Plain(out)
    })
}

/// The container of a `type: server` entry.
fn container_spec(
    entry: &CatalogEntry,
    image: &str,
    workspace: &str,
    config: &Map<String, Value>,
    secrets: &SecretScope<'_>,
    settings: &Settings,
) -> Result<ContainerSpec, LaunchError> {
    let server = entry.name.to_string();
    let fill = filler(entry, config);
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
        image: image.to_string(),
        command,
        env,
        volumes,
        user,
        disable_network: entry.disable_network,
        limits: settings.limits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(value: &EnvValue) -> Option<&str> {
        match value {
            EnvValue::Plain(text) => Some(text),
            EnvValue::Secret(_) => None,
        }
    }

    #[test]
    fn header_variables_are_filled_and_a_secret_makes_the_value_secret() {
        let variables = vec![
            ("REGION".to_string(), EnvValue::Plain("eu".to_string())),
            (
                "API_KEY".to_string(),
                EnvValue::Secret(Secret::new("k3y".to_string())),
            ),
        ];
        let region = substitute("region-${REGION}", &variables).unwrap();
        assert_eq!(plain(&region), Some("region-eu"));
        let EnvValue::Secret(bearer) = substitute("Bearer ${API_KEY}", &variables).unwrap() else {
            panic!("a value holding a secret is secret");
        };
        assert_eq!(bearer.expose(), "Bearer k3y");
        assert_eq!(
            plain(&substitute("no variables", &variables).unwrap()),
            Some("no variables")
        );
        assert_eq!(
            plain(&substitute("unterminated ${REGION", &variables).unwrap()),
            Some("unterminated ${REGION")
        );
        assert_eq!(
            substitute("${NOPE}", &variables).unwrap_err(),
            "NOPE".to_string()
        );
    }
}
