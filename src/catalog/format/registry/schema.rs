//! The MCP Registry's `server.json` as serde reads it: the fields of
//! `https://static.modelcontextprotocol.io/schemas/<date>/server.schema.json` (2025-09-29 and
//! later, camelCase) that the gateway uses, with the snake_case names of the 2025-07 drafts as
//! aliases. Unknown fields are skipped, never fatal.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::catalog::model::Scalar;

/// One server (`ServerDetail` in the schema).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerJson {
    /// Reverse-DNS name with one slash, e.g. `io.github.owner/weather`.
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) version: Option<String>,
    /// The 2025-07 drafts' `{version, is_latest}`.
    #[serde(default, alias = "version_detail")]
    pub(crate) version_detail: Option<VersionDetail>,
    #[serde(default, alias = "website_url")]
    pub(crate) website_url: Option<String>,
    #[serde(default)]
    pub(crate) repository: Option<Repository>,
    #[serde(default, deserialize_with = "or_default")]
    pub(crate) packages: Vec<Package>,
    #[serde(default, deserialize_with = "or_default")]
    pub(crate) remotes: Vec<Remote>,
    /// In list responses of the 2025-09 shape, the registry's own metadata sits here.
    #[serde(rename = "_meta", default, deserialize_with = "or_default")]
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct VersionDetail {
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default, alias = "isLatest")]
    pub(crate) is_latest: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Repository {
    #[serde(default)]
    pub(crate) url: Option<String>,
}

/// `_meta` of a list item (or of the server itself, in older responses).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Meta {
    #[serde(rename = "io.modelcontextprotocol.registry/official", default)]
    pub(crate) official: Option<Official>,
}

/// The official registry's record of one published version.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Official {
    #[serde(default, alias = "is_latest")]
    pub(crate) is_latest: Option<bool>,
    /// `active`, `deprecated` or `deleted`.
    #[serde(default)]
    pub(crate) status: Option<String>,
}

/// One way to install the server locally.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Package {
    /// `oci`, `npm`, `pypi`, `nuget`, `mcpb`, ... (`registry_name` in the first drafts).
    #[serde(default, alias = "registry_type", alias = "registry_name")]
    pub(crate) registry_type: String,
    #[serde(default, alias = "registry_base_url")]
    pub(crate) registry_base_url: Option<String>,
    /// The package or image (`name` in the first drafts).
    #[serde(default, alias = "name")]
    pub(crate) identifier: String,
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default, alias = "runtime_hint")]
    pub(crate) runtime_hint: Option<String>,
    /// How the client speaks to it; missing means stdio (the first drafts had none).
    #[serde(default)]
    pub(crate) transport: Option<Transport>,
    /// Arguments for the runtime command (`docker run` for `oci`), not for the server.
    #[serde(default, alias = "runtime_arguments", deserialize_with = "or_default")]
    pub(crate) runtime_arguments: Vec<Input>,
    /// Arguments for the server itself.
    #[serde(default, alias = "package_arguments", deserialize_with = "or_default")]
    pub(crate) package_arguments: Vec<Input>,
    #[serde(
        default,
        alias = "environment_variables",
        deserialize_with = "or_default"
    )]
    pub(crate) environment_variables: Vec<Input>,
}

/// A package's transport: `stdio`, `streamable-http` or `sse`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Transport {
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
}

/// A remote endpoint (`remotes` items).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Remote {
    /// `streamable-http` or `sse` (`transport_type`, with `streamable`, in the first drafts).
    #[serde(rename = "type", default, alias = "transport_type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) url: String,
    #[serde(default, deserialize_with = "or_default")]
    pub(crate) headers: Vec<Input>,
    /// Values for `{name}` in the URL.
    #[serde(default, deserialize_with = "or_default")]
    pub(crate) variables: BTreeMap<String, Input>,
}

/// The schema's `Input` and everything built on it (`KeyValueInput` for environment variables
/// and headers, `PositionalArgument` and `NamedArgument`) in one struct: each of those only
/// adds optional fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Input {
    /// An argument's `positional` or `named`.
    #[serde(rename = "type", default)]
    pub(crate) kind: Option<String>,
    /// The variable or header name, or a named argument's flag (`--port`).
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, alias = "value_hint")]
    pub(crate) value_hint: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default, alias = "is_required")]
    pub(crate) is_required: bool,
    #[serde(default, alias = "is_secret")]
    pub(crate) is_secret: bool,
    #[serde(default, alias = "is_repeated")]
    pub(crate) is_repeated: bool,
    /// `string`, `number`, `boolean` or `filepath`.
    #[serde(default)]
    pub(crate) format: Option<String>,
    /// A fixed value, in which `{name}` refers to `variables`.
    #[serde(default)]
    pub(crate) value: Option<Scalar>,
    #[serde(default)]
    pub(crate) default: Option<Scalar>,
    #[serde(default)]
    pub(crate) placeholder: Option<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub(crate) choices: Vec<Scalar>,
    #[serde(default, deserialize_with = "or_default")]
    pub(crate) variables: BTreeMap<String, Input>,
}

/// A list, map or object that may also be written `null`.
pub(crate) fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
