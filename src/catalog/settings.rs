//! Checking a server's config against the JSON Schema its catalog entry declares: the same
//! rules for `mcp-config-set` and `switchboard config set`.

use serde_json::{Map, Value};

use crate::catalog::{CatalogEntry, SecretSpec};

/// Why a config was refused; nothing is saved.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SettingsError {
    /// A key names one of the server's secrets, which never go through config.
    #[error("`{}` is a secret and is never set as config; set it with `switchboard secret set {}` (the value is read from stdin)", .secret.name, .secret.name)]
    SecretKey { secret: SecretSpec },
    /// The server takes no config.
    #[error("`{server}` takes no config")]
    NoSchema { server: String },
    /// The catalog's own schema does not compile.
    #[error("the catalog's config schema for `{server}` is invalid: {reason}")]
    BadSchema { server: String, reason: String },
    /// The config breaks the schema; every violation is listed.
    #[error("the config for `{server}` is invalid ({} problems): {}", .violations.len(), .violations.join("; "))]
    Invalid {
        server: String,
        violations: Vec<String>,
    },
}

/// Merges `changes` into `current`, fills schema defaults, and validates the result.
pub fn apply(
    entry: &CatalogEntry,
    current: &Map<String, Value>,
    changes: Map<String, Value>,
) -> Result<Map<String, Value>, SettingsError> {
    let server = entry.name.to_string();
    if let Some(secret) = secret_key(entry, &changes) {
        return Err(SettingsError::SecretKey { secret });
    }
    let Some(schema) = entry.config_schema() else {
        return Err(SettingsError::NoSchema { server });
    };
    let mut config = current.clone();
    config.extend(changes);
    apply_defaults(schema, &mut config);
    let validator = jsonschema::validator_for(schema).map_err(|e| SettingsError::BadSchema {
        server: server.clone(),
        reason: e.to_string(),
    })?;
    let instance = Value::Object(config.clone());
    let violations: Vec<String> = validator
        .iter_errors(&instance)
        .map(|error| {
            let path = error.instance_path().to_string();
            let path = if path.is_empty() {
                "(root)".to_string()
            } else {
                path
            };
            format!("{path}: {error}")
        })
        .collect();
    if violations.is_empty() {
        Ok(config)
    } else {
        Err(SettingsError::Invalid { server, violations })
    }
}

/// Reads `KEY=VALUE` as the schema types the key: numbers, booleans and arrays (comma
/// separated, or JSON) are converted; anything else stays a string.
pub fn parse_assignment(entry: &CatalogEntry, assignment: &str) -> Option<(String, Value)> {
    let (key, raw) = assignment.split_once('=')?;
    Some((key.to_string(), typed_value(entry, key, raw)))
}

/// Text typed by the schema of config `key`: arrays from comma-separated items (or JSON),
/// numbers and booleans from JSON, anything else as the string itself.
pub fn typed_value(entry: &CatalogEntry, key: &str, raw: &str) -> Value {
    let kind = entry
        .config_schema()
        .and_then(|s| s.pointer(&format!("/properties/{key}/type")))
        .and_then(Value::as_str)
        .unwrap_or("string");
    match kind {
        "string" => Value::String(raw.to_string()),
        "array" if !raw.trim_start().starts_with('[') => Value::Array(
            raw.split(',')
                .map(|s| Value::String(s.trim().to_string()))
                .filter(|v| v != "")
                .collect(),
        ),
        _ => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
    }
}

/// The first key of `config` that names one of the server's secrets (by its short name,
/// full name or environment variable).
fn secret_key(entry: &CatalogEntry, config: &Map<String, Value>) -> Option<SecretSpec> {
    let prefix = format!("{}.", entry.name);
    entry
        .secrets
        .iter()
        .find(|secret| {
            let short = secret.name.strip_prefix(&prefix).unwrap_or(&secret.name);
            config.contains_key(short)
                || config.contains_key(&secret.name)
                || config.contains_key(&secret.env)
        })
        .cloned()
}

/// Fills in `default` values of top-level properties the config does not set.
pub fn apply_defaults(schema: &Value, config: &mut Map<String, Value>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, property) in properties {
        if let Some(default) = property.get("default") {
            config.entry(key.clone()).or_insert_with(|| default.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use serde_json::json;

    fn entry() -> CatalogEntry {
        let yaml = r#"
registry:
  srv:
    type: server
    image: x
    secrets: [{name: srv.token, env: SRV_TOKEN}]
    config:
    - name: srv
      type: object
      properties:
        path: {type: string}
        level: {type: string, default: info}
        n: {type: integer}
        tags: {type: array, items: {type: string}}
      required: [path]
      additionalProperties: false
"#;
        Catalog::parse("t", yaml)
            .unwrap()
            .get("srv")
            .unwrap()
            .clone()
    }

    #[test]
    fn reports_every_violation_and_applies_defaults() {
        let changes = json!({"n": "three", "bogus": 1})
            .as_object()
            .unwrap()
            .clone();
        match apply(&entry(), &Map::new(), changes) {
            Err(SettingsError::Invalid { violations, .. }) => {
                assert_eq!(violations.len(), 3, "{violations:?}")
            }
            other => panic!("{other:?}"),
        }
        let ok = apply(
            &entry(),
            &Map::new(),
            json!({"path": "/data"}).as_object().unwrap().clone(),
        )
        .unwrap();
        assert_eq!(ok["level"], "info");
    }

    #[test]
    fn refuses_secrets_and_types_assignments() {
        let changes = json!({"token": "x"}).as_object().unwrap().clone();
        let error = apply(&entry(), &Map::new(), changes)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("switchboard secret set srv.token"),
            "{error}"
        );
        let entry = entry();
        assert_eq!(
            parse_assignment(&entry, "n=3"),
            Some(("n".into(), json!(3)))
        );
        assert_eq!(
            parse_assignment(&entry, "path=/a=b"),
            Some(("path".into(), json!("/a=b")))
        );
        assert_eq!(
            parse_assignment(&entry, "tags=a, b"),
            Some(("tags".into(), json!(["a", "b"])))
        );
        assert_eq!(parse_assignment(&entry, "novalue"), None);
    }
}
