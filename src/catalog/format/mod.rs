//! The catalog formats, told apart by the shape of a document: Docker's catalog YAML
//! (`docker.rs`, a `registry:` mapping) and the official MCP Registry's JSON (`registry.rs`: a
//! `server.json`, or a `/v0/servers` list response). Registry servers get their catalog keys
//! once per source (a file, or a whole directory), so [`Document`] keeps them apart.

pub(crate) mod docker;
pub(crate) mod registry;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::catalog::{CatalogEntry, Error};

/// One parsed document.
#[derive(Debug)]
pub(crate) enum Document {
    /// Docker catalog entries, already named.
    Docker(Vec<CatalogEntry>),
    /// Registry servers, still to be deduplicated and keyed with the rest of their source
    /// ([`registry::entries`]).
    Registry(Vec<registry::Listed>),
}

/// The top-level keys that tell the formats apart; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "$schema", default)]
    schema: Option<String>,
    #[serde(default)]
    registry: Option<IgnoredAny>,
    #[serde(default)]
    servers: Option<IgnoredAny>,
    #[serde(default)]
    name: Option<IgnoredAny>,
}

/// Parses `text` in whichever format it is written; `origin` names it in errors.
pub(crate) fn parse(origin: &str, text: &str) -> Result<Document, Error> {
    if !text.trim_start().starts_with('{') {
        return docker::parse(origin, text).map(Document::Docker);
    }
    let probe = match serde_json::from_str::<Probe>(text) {
        Ok(probe) => probe,
        // YAML's flow style also opens with `{` and is no JSON; if it is no Docker catalog
        // either (no YAML, or YAML without `registry:`, as JSON with a trailing comma is), the
        // JSON error is the one that helps.
        Err(json) => {
            return match docker::parse(origin, text) {
                Err(Error::Syntax { .. } | Error::NoRegistry { .. }) => Err(Error::Json {
                    origin: origin.to_string(),
                    source: json,
                }),
                other => other.map(Document::Docker),
            };
        }
    };
    let registry_schema = probe.schema.as_deref().is_some_and(|s| {
        s.contains("modelcontextprotocol.io") || s.ends_with("server.schema.json")
    });
    if probe.servers.is_some() {
        registry::parse_list(origin, text).map(Document::Registry)
    } else if probe.registry.is_some() {
        docker::parse(origin, text).map(Document::Docker)
    } else if probe.name.is_some() || registry_schema {
        registry::parse_server(origin, text).map(Document::Registry)
    } else {
        Err(Error::NoRegistry {
            origin: origin.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> &'static str {
        match parse("t", text) {
            Ok(Document::Docker(_)) => "docker",
            Ok(Document::Registry(_)) => "registry",
            Err(Error::NoRegistry { .. }) => "neither",
            Err(Error::Json { .. }) => "bad json",
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn formats_are_told_apart_by_shape() {
        assert_eq!(
            shape("registry:\n  a: {type: server, image: x}\n"),
            "docker"
        );
        assert_eq!(
            shape(r#"{"registry": {"a": {"type": "server", "image": "x"}}}"#),
            "docker"
        );
        assert_eq!(shape("{registry: {a: {type: server, image: x}}}"), "docker");
        assert_eq!(
            shape(r#"{"name": "io.x/a", "description": "d", "version": "1"}"#),
            "registry"
        );
        assert_eq!(
            shape(r#"{"servers": [], "metadata": {"count": 0}}"#),
            "registry"
        );
        assert_eq!(
            shape(
                r#"{"$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json", "name": "io.x/a"}"#
            ),
            "registry"
        );
        assert_eq!(shape(r#"{"servers_elsewhere": 1}"#), "neither");
        assert_eq!(shape("servers: {}"), "neither");
        assert_eq!(shape(r#"{"name": "io.x/a", "#), "bad json");
        // Valid YAML flow style, but no JSON and no `registry:`: the JSON error helps more.
        assert_eq!(
            shape(r#"{"name": "io.x/a", "description": "d",}"#),
            "bad json"
        );
    }
}
