//! Turning a catalog entry, its config and the secrets into a container to start or a remote
//! endpoint to connect to, checking everything first so that a failed `mcp-add` touches nothing.
//! Entries the catalog lists but cannot run (Docker's `poci`, registry packages for other
//! runtimes) are refused here, with what they would need.

use serde_json::{Map, Value};

use crate::catalog::{self, CatalogEntry, SecretSpec, ServerKind, Unrunnable};
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
    #[error("{}", refusal(.server, .why))]
    Unrunnable { server: String, why: Unrunnable },
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

/// Why a registry server cannot run, and what it would need.
fn refusal(server: &str, why: &Unrunnable) -> String {
    const HERE: &str =
        "Switchboard runs servers as containers (`oci` packages) or remote endpoints";
    match why {
        Unrunnable::Package {
            registry_type,
            identifier,
            runtime_hint,
        } => {
            let (what, runtime) = match registry_type.as_str() {
                "npm" => (
                    "an npm package".to_string(),
                    "a Node.js runtime".to_string(),
                ),
                "pypi" => ("a PyPI package".to_string(), "a Python runtime".to_string()),
                "nuget" => ("a NuGet package".to_string(), "a .NET runtime".to_string()),
                "cargo" => ("a Rust crate".to_string(), "a Rust toolchain".to_string()),
                "mcpb" => (
                    "an MCP bundle".to_string(),
                    "a client that installs MCP bundles".to_string(),
                ),
                other => (
                    format!("a `{other}` package"),
                    format!("the `{other}` package runtime"),
                ),
            };
            let hint = runtime_hint
                .as_deref()
                .map(|h| format!(" (`{h}`)"))
                .unwrap_or_default();
            format!(
                "`{server}` is published as {what} (`{identifier}`), which needs {runtime}{hint}; {HERE}"
            )
        }
        Unrunnable::ContainerHttp { image, transport } => format!(
            "`{server}` is published as an OCI image (`{image}`) that serves MCP over {transport} inside its container; Switchboard speaks to containers over their stdio and publishes no ports"
        ),
        Unrunnable::SecretArgument { image, argument } => format!(
            "`{server}` is published as an OCI image (`{image}`) that takes a secret on its command line (`{argument}`); Switchboard gives secrets to containers as environment variables only"
        ),
        Unrunnable::NothingPublished => format!(
            "`{server}` is listed in the MCP Registry without a package or a remote endpoint, so there is nothing to run; {HERE}"
        ),
    }
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

/// What the user must know about `entry`'s egress: its catalog entry limits it to
/// `allowHosts`, which the gateway parses but does not enforce yet (`None` when there is
/// nothing to say: no list, or no network at all). Said in `mcp-find`, `mcp-add` and `doctor`,
/// never left silent.
pub(crate) fn unenforced_egress(entry: &CatalogEntry) -> Option<String> {
    (!entry.allow_hosts.is_empty() && !entry.disable_network).then(|| {
        format!(
            "`{}` lists allowHosts ({}), but egress is not enforced yet: its container can reach any host",
            entry.name,
            entry.allow_hosts.join(", ")
        )
    })
}

/// Required secrets of `entry` that `secrets` cannot supply, the OAuth token of a remote
/// server included.
pub(crate) fn missing_secrets(entry: &CatalogEntry, secrets: &SecretScope<'_>) -> Vec<SecretSpec> {
    entry
        .secrets
        .iter()
        .cloned()
        .chain(oauth_token(entry))
        .filter(|s| !s.optional && secrets.lookup(s).is_none())
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
    let startable = match &entry.kind {
        ServerKind::Server => entry.image.is_some(),
        ServerKind::Remote => true,
        ServerKind::Poci => false,
        ServerKind::Unrunnable(why) => return vec![refusal(server, why)],
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

/// Why `entry` can never start here, if it cannot: what `mcp-add` answers for it.
pub fn cannot_run(entry: &CatalogEntry) -> Option<String> {
    let server = entry.name.to_string();
    let error = match &entry.kind {
        ServerKind::Unrunnable(why) => LaunchError::Unrunnable {
            server,
            why: why.clone(),
        },
        ServerKind::Poci => LaunchError::UnsupportedKind {
            server,
            kind: entry.kind.as_str(),
        },
        ServerKind::Server | ServerKind::Remote => return None,
    };
    Some(error.to_string())
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
        optional: false,
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
    let config = &starting_config(entry, config);
    match (&entry.kind, entry.image.as_deref()) {
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
        (ServerKind::Unrunnable(why), _) => Err(LaunchError::Unrunnable {
            server,
            why: why.clone(),
        }),
        (kind, _) => Err(LaunchError::UnsupportedKind {
            server,
            kind: kind.as_str(),
        }),
    }
}

/// The config a server starts with: the saved one, and for entries whose format says so
/// (registry servers), the schema's defaults for what it leaves unset.
fn starting_config(entry: &CatalogEntry, config: &Map<String, Value>) -> Map<String, Value> {
    let mut config = config.clone();
    if entry.fill_defaults
        && let Some(schema) = entry.config_schema()
    {
        catalog::apply_defaults(schema, &mut config);
    }
    config
}

/// Whether every config key in `needs` has a value (an empty string or list is none).
fn all_set(needs: &[String], config: &Map<String, Value>) -> bool {
    needs.iter().all(|key| match config.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    })
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
    // Optional secrets that are not set: a header made of one is left out.
    let mut unset: Vec<&str> = Vec::new();
    for spec in &entry.secrets {
        match secrets.lookup(spec) {
            Some(secret) => variables.push((spec.env.clone(), EnvValue::Secret(secret))),
            None if spec.optional => unset.push(&spec.env),
            None => {}
        }
    }
    for spec in entry.env.iter().filter(|s| all_set(&s.needs, config)) {
        variables.push((
            spec.name.clone(),
            EnvValue::Plain(fill(&spec.value.0)?.join(",")),
        ));
    }
    let mut headers = Vec::new();
    for (name, value) in &remote.headers {
        let template = fill(&value.0)?.join(",");
        let value = match substitute(&template, &variables) {
            Ok(value) => value,
            Err(variable) if unset.contains(&variable.as_str()) => continue,
            Err(variable) => {
                return Err(LaunchError::UnknownVariable {
                    server: server.clone(),
                    header: name.clone(),
                    variable,
                });
            }
        };
        // A header filled from config the user left unset says nothing: not sent.
        if value.expose().is_empty() {
            continue;
        }
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
    for spec in entry.env.iter().filter(|s| all_set(&s.needs, config)) {
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
    for item in entry.command.iter().filter(|c| all_set(&c.needs, config)) {
        for value in fill(&item.value.0)? {
            command.extend(item.flag.clone());
            command.push(value);
        }
    }
    let mut mounts = Vec::new();
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
            mounts.push(checked);
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
        mounts,
        user,
        disable_network: entry.disable_network,
        limits: settings.limits,
        standby: false,
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

    /// A registry server, as `catalog/format/registry.rs` maps it.
    fn registry_entry(server: serde_json::Value) -> CatalogEntry {
        let catalog = catalog::Catalog::parse("t.json", &server.to_string()).unwrap();
        catalog.entries().next().unwrap().clone()
    }

    fn start(entry: &CatalogEntry, config: serde_json::Value) -> Result<LaunchSpec, LaunchError> {
        let secrets =
            crate::store::Secrets::new(None, [("SRV_TOKEN".to_string(), "t0k3n".to_string())]);
        let config = config.as_object().cloned().unwrap_or_default();
        launch_spec(
            entry,
            "w",
            &config,
            &secrets.unscoped(),
            &Settings::default(),
        )
    }

    /// Unset optional values leave their argument (flag and all) or variable out; defaults
    /// fill the rest; repeated values repeat their flag.
    #[test]
    fn registry_arguments_and_variables_follow_the_config() {
        let entry = registry_entry(serde_json::json!({
            "name": "io.x/srv", "description": "d", "version": "1",
            "packages": [{"registryType": "oci", "identifier": "x/srv:1", "transport": {"type": "stdio"},
                "packageArguments": [
                    {"type": "named", "name": "--host", "default": "localhost"},
                    {"type": "named", "name": "--port", "format": "number"},
                    {"type": "named", "name": "--tag", "isRepeated": true},
                    {"type": "positional", "value": "serve"}
                ],
                "environmentVariables": [
                    {"name": "LEVEL", "default": "info"},
                    {"name": "EXTRA"},
                    {"name": "SRV_TOKEN", "isSecret": true}
                ]}]
        }));
        let LaunchSpec::Container(spec) = start(&entry, serde_json::json!({})).unwrap() else {
            panic!("a container");
        };
        assert_eq!(spec.command, ["--host", "localhost", "serve"]);
        let env: Vec<(String, Option<&str>)> = spec
            .env
            .iter()
            .map(|v| (v.name.clone(), plain(&v.value)))
            .collect();
        assert_eq!(
            env,
            [
                ("LEVEL".to_string(), Some("info")),
                ("SRV_TOKEN".to_string(), None)
            ]
        );
        let config =
            serde_json::json!({"port": 8080, "tag": ["a", "b"], "extra": "x", "level": "debug"});
        let LaunchSpec::Container(spec) = start(&entry, config).unwrap() else {
            panic!("a container");
        };
        assert_eq!(
            spec.command,
            [
                "--host",
                "localhost",
                "--port",
                "8080",
                "--tag",
                "a",
                "--tag",
                "b",
                "serve"
            ]
        );
        let names: Vec<&str> = spec.env.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["LEVEL", "EXTRA", "SRV_TOKEN"]);
        assert_eq!(plain(&spec.env[0].value), Some("debug"));
    }

    /// An optional secret header that is not set is not sent; a required one stops the add.
    #[test]
    fn registry_headers_leave_out_what_is_not_set() {
        let entry = registry_entry(serde_json::json!({
            "name": "io.x/web", "description": "d", "version": "1",
            "remotes": [{"type": "streamable-http", "url": "https://web.example/mcp", "headers": [
                {"name": "X-Key", "isSecret": true},
                {"name": "X-Team"}
            ]}]
        }));
        let LaunchSpec::Remote(endpoint) = start(&entry, serde_json::json!({})).unwrap() else {
            panic!("a remote");
        };
        assert!(endpoint.headers.is_empty(), "{:?}", endpoint.headers);
        let LaunchSpec::Remote(endpoint) =
            start(&entry, serde_json::json!({"x_team": "blue"})).unwrap()
        else {
            panic!("a remote");
        };
        let names: Vec<&str> = endpoint.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["X-Team"]);
    }

    #[test]
    fn unrunnable_servers_are_refused_with_what_they_need() {
        let entry = registry_entry(serde_json::json!({
            "name": "io.github.x/files", "description": "d", "version": "1",
            "packages": [{"registryType": "npm", "identifier": "@x/files", "transport": {"type": "stdio"}}]
        }));
        let error = start(&entry, serde_json::json!({}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "`files` is published as an npm package (`@x/files`), which needs a Node.js runtime; Switchboard runs servers as containers (`oci` packages) or remote endpoints"
        );
        assert_eq!(cannot_run(&entry), Some(error));
    }
}
