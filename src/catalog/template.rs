//! `{{server.key}}` templates in a catalog entry's env, command and volumes.

use serde_json::Value;

/// A template that cannot be filled from the server's config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{{` without its `}}`.
    #[error("unterminated `{{{{` in `{template}`")]
    Unterminated { template: String },
    /// A `|filter` this gateway does not implement.
    #[error("template filter `{filter}` in `{template}` is not supported")]
    UnknownFilter { template: String, filter: String },
}

/// Fills every `{{path}}` or `{{path|into}}` in `template` from `config`, the server's settings
/// keyed by the server name (so `{{github.owner}}` reads `config["github"]["owner"]`).
///
/// Returns one string, or several when an `|into` placeholder holds an array (one item each):
/// that is how catalogs spread a list of paths over several command-line arguments. A missing
/// value fills as the empty string, as Docker's gateway does.
pub fn fill(template: &str, config: &Value) -> Result<Vec<String>, TemplateError> {
    let mut parts: Vec<String> = vec![String::new()];
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").map(|e| start + e).ok_or_else(|| {
            TemplateError::Unterminated {
                template: template.to_string(),
            }
        })?;
        let literal = &rest[..start];
        parts.iter_mut().for_each(|p| p.push_str(literal));
        let mut pipeline = rest[start + 2..end].split('|').map(str::trim);
        let path = pipeline.next().unwrap_or_default();
        let mut spread = false;
        for filter in pipeline {
            match filter {
                "into" => spread = true,
                other => {
                    return Err(TemplateError::UnknownFilter {
                        template: template.to_string(),
                        filter: other.to_string(),
                    });
                }
            }
        }
        let value = path
            .split('.')
            .try_fold(config, |value, key| value.get(key));
        let values: Vec<String> = match value {
            Some(Value::Array(items)) if spread => items.iter().map(scalar_text).collect(),
            Some(value) => vec![scalar_text(value)],
            None => vec![String::new()],
        };
        parts = parts
            .iter()
            .flat_map(|p| values.iter().map(move |v| format!("{p}{v}")))
            .collect();
        rest = &rest[end + 2..];
    }
    parts.iter_mut().for_each(|p| p.push_str(rest));
    Ok(parts)
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_paths_and_spreads_arrays() {
        let config = json!({"fs": {"root": "/data", "paths": ["/a", "/b"], "n": 3}});
        assert_eq!(
            fill("--root={{fs.root}}", &config).unwrap(),
            vec!["--root=/data"]
        );
        assert_eq!(
            fill("{{fs.paths|into}}", &config).unwrap(),
            vec!["/a", "/b"]
        );
        assert_eq!(fill("{{ fs.n }}x", &config).unwrap(), vec!["3x"]);
        assert_eq!(fill("{{fs.missing}}", &config).unwrap(), vec![""]);
        assert_eq!(fill("plain", &config).unwrap(), vec!["plain"]);
    }

    #[test]
    fn rejects_unknown_filters_and_open_braces() {
        let config = json!({});
        assert!(matches!(
            fill("{{a|volume}}", &config),
            Err(TemplateError::UnknownFilter { .. })
        ));
        assert!(matches!(
            fill("{{a", &config),
            Err(TemplateError::Unterminated { .. })
        ));
    }
}
