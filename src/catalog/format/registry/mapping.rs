//! One registry server as a catalog entry.
//!
//! What runs: the first `oci` package spoken to over stdio becomes a container server (`image`
//! is its identifier, tagged with its version when the identifier has no tag); else the first
//! remote (`streamable-http` before `sse`) becomes a remote server. Anything else is listed as
//! [`ServerKind::Unrunnable`], saying what it is published as.
//!
//! What the user provides: inputs marked `isSecret` become catalog secrets; other inputs
//! without a fixed `value` (environment variables, arguments, headers, `{name}` variables)
//! become properties of the entry's config schema, with their description, default, choices
//! (`enum`) and `isRequired` (`required`, unless a default fills it). Values reach the
//! server through `{{key.property}}` templates (and `${ENV}` for secrets in headers), left out
//! while unset; defaults apply at start (`fill_defaults`).
//!
//! `packageArguments` become the container's command (`--name value` for named ones).
//! `runtimeArguments` are arguments for `docker run`, not for the server: `-e NAME=value`
//! becomes an environment variable and `-v`/`--mount` a volume (through the gateway's mount
//! policy); other `docker run` flags (`--network host`, ...) are not applied.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::catalog::format::registry::safe_key;
use crate::catalog::format::registry::schema::{Input, Package, Remote, ServerJson};
use crate::catalog::model::Scalar;
use crate::catalog::{
    CatalogEntry, CommandArg, EnvSpec, Error, Published, RemoteSpec, SecretSpec, ServerKind,
    ServerName, Unrunnable,
};

/// The server's version, in either the current or the 2025-07 shape.
pub(super) fn version(server: &ServerJson) -> Option<String> {
    server
        .version
        .clone()
        .or_else(|| server.version_detail.as_ref()?.version.clone())
}

/// The catalog entry `key` for `server`, read from `origin`.
pub(super) fn entry(key: &str, server: &ServerJson, origin: &str) -> Result<CatalogEntry, Error> {
    let fail = |reason: String| Error::Entry {
        origin: origin.to_string(),
        entry: server.name.clone(),
        reason,
    };
    if server.name.trim().is_empty() {
        return Err(fail("`name` is empty".to_string()));
    }
    let mut entry = CatalogEntry::new(ServerName::new(key), ServerKind::Remote);
    entry.title = server
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| server.name.clone());
    entry.description = server.description.clone();
    // Searchable by the name the registry knows it by.
    entry.metadata.tags = vec![server.name.clone()];
    entry.published = Some(Published {
        registry_name: server.name.clone(),
        version: version(server).unwrap_or_default(),
        website_url: server.website_url.clone(),
        repository_url: server.repository.as_ref().and_then(|r| r.url.clone()),
    });
    entry.fill_defaults = true;
    let settings = runnable(key, server, &mut entry).map_err(fail)?;
    entry.secrets = settings.secrets;
    if !settings.properties.is_empty() {
        let mut schema = json!({
            "name": key,
            "type": "object",
            "description": format!("Settings of {}", server.name),
            "properties": settings.properties,
        });
        if !settings.required.is_empty() {
            schema["required"] = json!(settings.required);
        }
        entry.config = vec![schema];
    }
    Ok(entry)
}

/// Fills in how `entry` runs (or why it cannot) and returns the settings that takes; an `Err`
/// is a malformed server.
fn runnable(key: &str, server: &ServerJson, entry: &mut CatalogEntry) -> Result<Settings, String> {
    for package in &server.packages {
        if package.identifier.trim().is_empty() {
            return Err(format!(
                "a `{}` package has no `identifier`",
                package.registry_type
            ));
        }
    }
    let mut refusal = None;
    for package in server.packages.iter().filter(|p| p.registry_type == "oci") {
        let transport = package
            .transport
            .as_ref()
            .map(|t| t.kind.as_str())
            .unwrap_or_default();
        if !matches!(transport, "" | "stdio") {
            refusal.get_or_insert(Unrunnable::ContainerHttp {
                image: image(package),
                transport: transport.to_string(),
            });
            continue;
        }
        let mut settings = Settings::new(key);
        match container(package, &mut settings, &server.name)? {
            Ok(container) => {
                entry.kind = ServerKind::Server;
                entry.image = Some(container.image);
                entry.env = container.env;
                entry.command = container.command;
                entry.volumes = container.volumes;
                return Ok(settings);
            }
            Err(why) => {
                refusal.get_or_insert(why);
            }
        }
    }
    let preference = |remote: &&Remote| match remote.kind.as_str() {
        "streamable-http" | "streamable" | "http" => Some(0),
        "sse" => Some(1),
        _ => None,
    };
    let mut remotes: Vec<&Remote> = server
        .remotes
        .iter()
        .filter(|r| preference(r).is_some())
        .collect();
    remotes.sort_by_key(preference);
    if let Some(chosen) = remotes.first() {
        let mut settings = Settings::new(key);
        entry.kind = ServerKind::Remote;
        entry.remote = Some(remote(chosen, &mut settings)?);
        return Ok(settings);
    }
    let why = refusal.unwrap_or_else(|| match server.packages.first() {
        Some(package) => Unrunnable::Package {
            registry_type: package.registry_type.clone(),
            identifier: package.identifier.clone(),
            runtime_hint: package.runtime_hint.clone(),
        },
        None => Unrunnable::NothingPublished,
    });
    entry.kind = ServerKind::Unrunnable(why);
    Ok(Settings::new(key))
}

/// How an `oci` package runs.
struct Container {
    image: String,
    env: Vec<EnvSpec>,
    command: Vec<CommandArg>,
    volumes: Vec<Scalar>,
}

/// The container of an `oci` package: the outer `Err` is a malformed package, the inner one a
/// package this gateway cannot run.
fn container(
    package: &Package,
    settings: &mut Settings,
    server: &str,
) -> Result<Result<Container, Unrunnable>, String> {
    let image = image(package);
    let mut container = Container {
        image: image.clone(),
        env: Vec::new(),
        command: Vec::new(),
        volumes: Vec::new(),
    };
    for variable in &package.environment_variables {
        let Some(name) = variable.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            return Err("an environment variable has no `name`".to_string());
        };
        environment(
            name,
            variable,
            variable.value.as_ref(),
            settings,
            &mut container.env,
        );
    }
    for (index, argument) in package.package_arguments.iter().enumerate() {
        let named = argument.kind.as_deref() == Some("named");
        let label = argument
            .name
            .clone()
            .or_else(|| argument.value_hint.clone())
            .unwrap_or_else(|| format!("argument {}", index + 1));
        if argument.is_secret || settings.any_secret(argument) {
            return Ok(Err(Unrunnable::SecretArgument {
                image,
                argument: label,
            }));
        }
        let flag = match (named, argument.name.as_deref()) {
            (true, Some(flag)) if !flag.trim().is_empty() => Some(flag.to_string()),
            (true, _) => return Err(format!("named argument {} has no `name`", index + 1)),
            (false, _) => None,
        };
        let (value, needs) = match &argument.value {
            Some(value) => settings.translate(&value.0, &argument.variables, Secrets::AsConfig),
            None => {
                let property = settings.property(
                    label.trim_start_matches('-'),
                    argument,
                    argument.is_repeated,
                );
                let reference = settings.reference(&property, argument.is_repeated);
                (reference, vec![property])
            }
        };
        container.command.push(CommandArg {
            flag,
            value: Scalar(value),
            needs,
        });
    }
    for argument in &package.runtime_arguments {
        runtime_argument(argument, settings, &mut container, server);
    }
    Ok(Ok(container))
}

/// An environment variable of the container: a secret, a config value, or a fixed value
/// (with `{name}` variables from config). One made of a secret variable is a secret as a
/// whole: the container gets it as one value.
fn environment(
    name: &str,
    input: &Input,
    value: Option<&Scalar>,
    settings: &mut Settings,
    env: &mut Vec<EnvSpec>,
) {
    match value {
        None if input.is_secret => {
            settings.secret(name, name, input);
        }
        None => {
            let property = settings.property(name, input, false);
            env.push(EnvSpec {
                name: name.to_string(),
                value: Scalar(settings.reference(&property, false)),
                needs: vec![property],
            });
        }
        Some(_) if settings.any_secret(input) => {
            settings.secret(name, name, input);
        }
        Some(value) => {
            let (text, needs) = settings.translate(&value.0, &input.variables, Secrets::AsConfig);
            env.push(EnvSpec {
                name: name.to_string(),
                value: Scalar(text),
                needs,
            });
        }
    }
}

/// A `docker run` argument: `-e NAME=value` and volumes are applied, the rest is not.
fn runtime_argument(
    argument: &Input,
    settings: &mut Settings,
    container: &mut Container,
    server: &str,
) {
    let flag = argument.name.as_deref().unwrap_or_default();
    let Some(value) = argument.value.as_ref().map(|v| v.0.as_str()) else {
        tracing::debug!(server, flag, "runtime argument without a value not applied");
        return;
    };
    match flag {
        "-e" | "--env" => {
            if let Some((name, rest)) = value.split_once('=') {
                let rest = Scalar(rest.to_string());
                environment(name, argument, Some(&rest), settings, &mut container.env);
            }
        }
        "-v" | "--volume" => {
            let (text, _) = settings.translate(value, &argument.variables, Secrets::AsConfig);
            container.volumes.push(Scalar(text));
        }
        "--mount" => match bind_mount(value) {
            Some(volume) => {
                let (text, _) = settings.translate(&volume, &argument.variables, Secrets::AsConfig);
                container.volumes.push(Scalar(text));
            }
            None => tracing::debug!(server, flag, "mount of another type not applied"),
        },
        _ => tracing::debug!(server, flag, "`docker run` argument not applied"),
    }
}

/// `type=bind,src=A,dst=B[,readonly]` as the volume `A:B[:ro]`.
fn bind_mount(spec: &str) -> Option<String> {
    let (mut source, mut target, mut read_only) = (None, None, false);
    for part in spec.split(',') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key.trim() {
            "type" if !matches!(value, "bind" | "volume") => return None,
            "source" | "src" => source = Some(value),
            "target" | "dst" | "destination" => target = Some(value),
            "readonly" | "ro" => read_only = value.is_empty() || value == "true" || value == "1",
            _ => {}
        }
    }
    let volume = format!("{}:{}", source?, target?);
    Some(if read_only {
        format!("{volume}:ro")
    } else {
        volume
    })
}

/// A remote endpoint: its URL (with `{name}` variables from config) and its headers.
fn remote(remote: &Remote, settings: &mut Settings) -> Result<RemoteSpec, String> {
    if remote.url.trim().is_empty() {
        return Err(format!("a `{}` remote has no `url`", remote.kind));
    }
    let (url, _) = settings.translate(&remote.url, &remote.variables, Secrets::AsConfig);
    let mut headers = BTreeMap::new();
    for header in &remote.headers {
        let Some(name) = header.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            return Err("a header has no `name`".to_string());
        };
        let value = match &header.value {
            None if header.is_secret => {
                let env = settings.header_env(name);
                format!("${{{}}}", settings.secret(name, &env, header).env)
            }
            None => {
                let property = settings.property(name, header, false);
                settings.reference(&property, false)
            }
            Some(value) => {
                settings
                    .translate(&value.0, &header.variables, Secrets::AsVariables)
                    .0
            }
        };
        headers.insert(name.to_string(), Scalar(value));
    }
    let transport = match remote.kind.as_str() {
        "sse" => "sse",
        _ => "streamable-http",
    };
    Ok(RemoteSpec {
        url,
        transport_type: Some(transport.to_string()),
        headers,
    })
}

/// The image of an `oci` package: its identifier, under the registry of `registryBaseUrl`
/// when the identifier names none, tagged with `version` when it has no tag or digest.
fn image(package: &Package) -> String {
    let mut image = package.identifier.trim().to_string();
    let host = package
        .registry_base_url
        .as_deref()
        .map(|url| url.split("://").last().unwrap_or(url).trim_end_matches('/'))
        .filter(|host| {
            !host.is_empty()
                && !matches!(
                    *host,
                    "docker.io" | "index.docker.io" | "registry-1.docker.io" | "hub.docker.com"
                )
        });
    let names_registry = image
        .split_once('/')
        .is_some_and(|(first, _)| first.contains(['.', ':']) || first == "localhost");
    if let Some(host) = host
        && !names_registry
    {
        image = format!("{host}/{image}");
    }
    let tagged = image.contains('@') || image.rsplit('/').next().is_some_and(|l| l.contains(':'));
    match package.version.as_deref().map(str::trim) {
        Some(version) if !tagged && !version.is_empty() => format!("{image}:{version}"),
        _ => image,
    }
}

/// How a secret `{name}` variable is written into a value.
#[derive(Clone, Copy)]
enum Secrets {
    /// As any other variable: from config (URLs, arguments and environment values, where the
    /// callers have already turned secret inputs into secrets or refusals).
    AsConfig,
    /// As a catalog secret, `${ENV}` (headers).
    AsVariables,
}

/// The config schema and secrets of one server, built while mapping it.
struct Settings {
    key: String,
    properties: Map<String, Value>,
    required: Vec<String>,
    secrets: Vec<SecretSpec>,
}

impl Settings {
    fn new(key: &str) -> Settings {
        Settings {
            key: key.to_string(),
            properties: Map::new(),
            required: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// The config property for `input`, named after `name`, added unless an input of the
    /// same name added it first; returns the property name.
    fn property(&mut self, name: &str, input: &Input, repeated: bool) -> String {
        let property = property_name(name);
        if !self.properties.contains_key(&property) {
            self.properties
                .insert(property.clone(), schema_of(input, repeated));
            if input.is_required && input.default.is_none() {
                self.required.push(property.clone());
            }
        }
        property
    }

    /// The catalog secret `<key>.<name>`, given to the server as `env`.
    fn secret(&mut self, name: &str, env: &str, input: &Input) -> SecretSpec {
        let spec = SecretSpec {
            name: format!("{}.{}", self.key, property_name(name)),
            env: env.to_string(),
            optional: !input.is_required,
        };
        if !self
            .secrets
            .iter()
            .any(|s| s.name == spec.name && s.env == spec.env)
        {
            self.secrets.push(spec.clone());
        }
        spec
    }

    /// The variable a secret header value is known by: `<KEY>_<NAME>`, upper-case.
    fn header_env(&self, name: &str) -> String {
        crate::store::variable_style(&format!("{}_{}", self.key, name))
    }

    /// `{{key.property}}`, spread over several arguments when repeated.
    fn reference(&self, property: &str, repeated: bool) -> String {
        let spread = if repeated { "|into" } else { "" };
        format!("{{{{{}.{property}{spread}}}}}", self.key)
    }

    /// Whether `input` is made of a secret `{name}` variable.
    fn any_secret(&self, input: &Input) -> bool {
        let Some(value) = &input.value else {
            return false;
        };
        placeholders(&value.0).any(|name| input.variables.get(name).is_some_and(|v| v.is_secret))
    }

    /// `value` with each `{name}` that `variables` declares replaced by its template; other
    /// braces stay as written (the schema's rule). Returns the config keys it needs.
    fn translate(
        &mut self,
        value: &str,
        variables: &BTreeMap<String, Input>,
        secrets: Secrets,
    ) -> (String, Vec<String>) {
        let mut out = String::with_capacity(value.len());
        let mut needs = Vec::new();
        let mut rest = value;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start + 1..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + 1 + len];
            out.push_str(&rest[..start]);
            match variables.get(name) {
                Some(input) if input.is_secret && matches!(secrets, Secrets::AsVariables) => {
                    let env = self.header_env(name);
                    out.push_str(&format!("${{{}}}", self.secret(name, &env, input).env));
                }
                Some(input) => {
                    let property = self.property(name, input, false);
                    out.push_str(&self.reference(&property, false));
                    needs.push(property);
                }
                None => out.push_str(&rest[start..start + len + 2]),
            }
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        (out, needs)
    }
}

/// The `{name}`s in a registry value.
fn placeholders(value: &str) -> impl Iterator<Item = &str> {
    value
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

/// A config property name: `LOG_LEVEL` and `--log-level` both become `log_level`.
fn property_name(name: &str) -> String {
    safe_key(name).replace('-', "_")
}

/// The JSON Schema of one input: its type (from `format`), description, default and
/// choices, typed as the format says (text that does not fit the type keeps it a string).
fn schema_of(input: &Input, repeated: bool) -> Value {
    let declared = match input.format.as_deref() {
        Some("number") => "number",
        Some("boolean") => "boolean",
        _ => "string",
    };
    let given: Vec<&str> = input
        .default
        .iter()
        .chain(&input.choices)
        .map(|s| s.0.as_str())
        .collect();
    let kind = if given.iter().all(|text| typed(declared, text).is_some()) {
        declared
    } else {
        "string"
    };
    let mut item = Map::new();
    item.insert("type".into(), json!(kind));
    if !input.choices.is_empty() {
        let choices: Vec<Value> = input
            .choices
            .iter()
            .filter_map(|c| typed(kind, &c.0))
            .collect();
        item.insert("enum".into(), Value::Array(choices));
    }
    let mut description = input.description.clone().unwrap_or_default();
    if let Some(example) = input.placeholder.as_deref().filter(|p| !p.is_empty()) {
        description = format!("{description} (for example: {example})")
            .trim()
            .to_string();
    }
    let default = input.default.as_ref().and_then(|d| typed(kind, &d.0));
    let mut property = if repeated {
        let mut array = Map::new();
        array.insert("type".into(), json!("array"));
        array.insert("items".into(), Value::Object(item));
        if let Some(default) = default {
            array.insert("default".into(), json!([default]));
        }
        array
    } else {
        if let Some(default) = default {
            item.insert("default".into(), default);
        }
        item
    };
    if !description.is_empty() {
        property.insert("description".into(), json!(description));
    }
    Value::Object(property)
}

/// `text` as a JSON value of schema type `kind`, if it is one.
fn typed(kind: &str, text: &str) -> Option<Value> {
    match kind {
        "number" => text
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| text.parse::<f64>().ok().map(Value::from)),
        "boolean" => text.parse::<bool>().ok().map(Value::Bool),
        _ => Some(Value::String(text.to_string())),
    }
}
