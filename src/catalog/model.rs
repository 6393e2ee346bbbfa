//! The catalog entry types. They deserialize from Docker's MCP catalog format (version 2), the
//! format the model follows; `catalog/format/registry.rs` builds them from MCP Registry
//! `server.json` documents, filling the few fields Docker's format has no words for
//! (`published`, `fill_defaults`, `needs`, `optional`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// A server's catalog key, e.g. `github-official`; also how the model names it in `mcp-add`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerName(String);

impl ServerName {
    pub fn new(name: impl Into<String>) -> Self {
        ServerName(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl std::borrow::Borrow<str> for ServerName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// How a server runs: a local container image, a remote endpoint, per-tool containers, or not
/// at all here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    /// An MCP server in a container image, spoken to over its stdio.
    Server,
    /// An MCP server reached over HTTP.
    Remote,
    /// Docker's "plain OCI" tools: one container per tool call, no MCP server inside.
    Poci,
    /// A registry server published only in a form this gateway cannot run. It is listed and
    /// found like any other; `mcp-add` refuses it and says what it would need.
    #[serde(skip)]
    Unrunnable(Unrunnable),
}

impl ServerKind {
    /// The `type` that `mcp-find` and `catalog ls` show: for an unrunnable server, what it is
    /// published as (`npm`, `pypi`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            ServerKind::Server => "server",
            ServerKind::Remote => "remote",
            ServerKind::Poci => "poci",
            ServerKind::Unrunnable(why) => why.as_str(),
        }
    }
}

/// Why a registry server cannot run here; `mcp-add` turns it into its refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrunnable {
    /// Published only as a package for another runtime: npm, PyPI, NuGet, an MCP bundle, ...
    Package {
        /// The registry's `registryType`, e.g. `npm`.
        registry_type: String,
        /// The package, e.g. `@scope/pkg`.
        identifier: String,
        /// The registry's `runtimeHint`, e.g. `npx`.
        runtime_hint: Option<String>,
    },
    /// An OCI image that serves MCP over HTTP inside its container: the gateway speaks to
    /// containers over their stdio and publishes no ports.
    ContainerHttp { image: String, transport: String },
    /// An OCI image that takes a secret on its command line: secrets reach containers as
    /// environment variables only.
    SecretArgument { image: String, argument: String },
    /// Neither a package nor a remote endpoint: a listing only.
    NothingPublished,
}

impl Unrunnable {
    pub fn as_str(&self) -> &'static str {
        match self {
            Unrunnable::Package { registry_type, .. } => match registry_type.as_str() {
                "npm" => "npm",
                "pypi" => "pypi",
                "nuget" => "nuget",
                "mcpb" => "mcpb",
                "cargo" => "cargo",
                _ => "package",
            },
            Unrunnable::ContainerHttp { .. } => "oci-http",
            Unrunnable::SecretArgument { .. } => "oci",
            Unrunnable::NothingPublished => "listing",
        }
    }
}

/// What an MCP registry says about where a server comes from (shown by `catalog show`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// The registry's name, e.g. `io.github.owner/weather`; the catalog key is shorter.
    pub registry_name: String,
    pub version: String,
    pub website_url: Option<String>,
    pub repository_url: Option<String>,
}

/// One server of a catalog. Fields the gateway does not use are accepted and ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    #[serde(skip)]
    pub name: ServerName,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type")]
    pub kind: ServerKind,
    pub image: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tools: Vec<ToolSpec>,
    /// How many prompts the server brings, where the catalog says (a count or a list), so a
    /// model searching the catalog knows of them before adding it.
    #[serde(default, deserialize_with = "item_count")]
    pub prompts: Option<usize>,
    /// How many resources (and resource templates) it brings: a count, a list or a map.
    #[serde(default, deserialize_with = "item_count")]
    pub resources: Option<usize>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub secrets: Vec<SecretSpec>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub env: Vec<EnvSpec>,
    /// JSON Schema objects describing the server's settings (usually one).
    #[serde(default, deserialize_with = "null_as_default")]
    pub config: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub command: Vec<CommandArg>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub volumes: Vec<Scalar>,
    pub user: Option<Scalar>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub allow_hosts: Vec<String>,
    #[serde(default)]
    pub disable_network: bool,
    #[serde(default)]
    pub long_lived: bool,
    pub remote: Option<RemoteSpec>,
    /// How a remote server signs users in; its tokens are kept as secrets.
    pub oauth: Option<OAuthSpec>,
    #[serde(default)]
    pub metadata: Metadata,
    /// Set for servers read from an MCP registry document.
    #[serde(skip)]
    pub published: Option<Published>,
    /// Whether a config value the user has not set takes its schema `default` when the
    /// server starts (the registry's rule). Docker catalogs fill unset values as empty, as
    /// Docker's gateway does.
    #[serde(skip)]
    pub fill_defaults: bool,
}

/// The OAuth providers of a remote server, and the secret each token is kept in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OAuthSpec {
    #[serde(default, deserialize_with = "null_as_default")]
    pub providers: Vec<OAuthProvider>,
}

/// One OAuth provider: the token it issues is the secret `secret`.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthProvider {
    #[serde(default)]
    pub provider: String,
    pub secret: String,
    #[serde(default)]
    pub env: String,
}

/// A tool the catalog says the server offers (the live list comes from the server itself).
#[derive(Debug, Clone, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub arguments: Vec<ArgumentSpec>,
}

/// An argument of a catalog tool, used only to make search find the tool.
#[derive(Debug, Clone, Deserialize)]
pub struct ArgumentSpec {
    pub name: String,
    #[serde(default)]
    pub desc: String,
}

/// A secret the server needs, and the environment variable it expects it in.
#[derive(Debug, Clone, Deserialize)]
pub struct SecretSpec {
    pub name: String,
    pub env: String,
    /// The server starts without it (registry inputs not marked `isRequired`); Docker
    /// catalogs' secrets are all required.
    #[serde(skip)]
    pub optional: bool,
}

/// A fixed or templated environment variable for the container.
#[derive(Debug, Clone, Deserialize)]
pub struct EnvSpec {
    pub name: String,
    #[serde(default)]
    pub value: Scalar,
    /// Config keys the value is made of: while one of them is unset, the variable is left
    /// out rather than set empty. Docker catalogs never set this.
    #[serde(skip)]
    pub needs: Vec<String>,
}

/// One item of a container's command line: a templated value, optionally after a flag, left
/// out (flag and all) while a config key it needs is unset. Docker catalogs write plain
/// scalars, which are values with no flag and no needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandArg {
    /// Given before the value, as its own argument (`--port`), once per value.
    pub flag: Option<String>,
    pub value: Scalar,
    pub needs: Vec<String>,
}

impl<'de> Deserialize<'de> for CommandArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(CommandArg {
            flag: None,
            value: Scalar::deserialize(deserializer)?,
            needs: Vec::new(),
        })
    }
}

/// Where a remote server listens.
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteSpec {
    pub url: String,
    #[serde(default)]
    pub transport_type: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, Scalar>,
}

/// Category and tags, used by search.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub category: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
}

/// A YAML scalar read as text: catalogs write `value: true` or `- 8080` as often as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => Ok(Scalar(s)),
            serde_json::Value::Null => Ok(Scalar(String::new())),
            serde_json::Value::Bool(b) => Ok(Scalar(b.to_string())),
            serde_json::Value::Number(n) => Ok(Scalar(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a string, number or boolean, found {other}"
            ))),
        }
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A count of items written as a number, a list of them or a map of them.
fn item_count<'de, D>(deserializer: D) -> Result<Option<usize>, D::Error>
where
    D: Deserializer<'de>,
{
    use serde::de::Error;
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Array(items)) => Ok(Some(items.len())),
        Some(serde_json::Value::Object(items)) => Ok(Some(items.len())),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a count, found {n}"))),
        Some(other) => Err(D::Error::custom(format!(
            "expected a count, a list or a map, found {other}"
        ))),
    }
}

impl CatalogEntry {
    /// An entry with nothing but its name and kind, for formats that build entries field by
    /// field.
    pub fn new(name: ServerName, kind: ServerKind) -> CatalogEntry {
        CatalogEntry {
            name,
            title: String::new(),
            description: String::new(),
            kind,
            image: None,
            tools: Vec::new(),
            prompts: None,
            resources: None,
            secrets: Vec::new(),
            env: Vec::new(),
            config: Vec::new(),
            command: Vec::new(),
            volumes: Vec::new(),
            user: None,
            allow_hosts: Vec::new(),
            disable_network: false,
            long_lived: false,
            remote: None,
            oauth: None,
            metadata: Metadata::default(),
            published: None,
            fill_defaults: false,
        }
    }

    /// The JSON Schema for this server's settings, if the catalog declares one.
    pub fn config_schema(&self) -> Option<&serde_json::Value> {
        self.config
            .iter()
            .find(|schema| schema.get("name").and_then(|n| n.as_str()) == Some(self.name.as_str()))
            .or_else(|| self.config.first())
    }
}
