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

/// Fills every `{{path|filter...}}` in `template` from `config`, the server's settings
/// keyed by the server name (so `{{github.owner}}` reads `config["github"]["owner"]`).
///
/// Filters: `into` spreads an array over several results (one command-line argument or volume
/// each); `volume` turns a host path `p` into the mount `p:p`; `volume-target` gives the path
/// inside the container. A missing value fills as the empty string, as Docker's gateway does.
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
        let value = path
            .split('.')
            .try_fold(config, |value, key| value.get(key));
        let mut values: Vec<String> = match value {
            Some(Value::Array(items)) => items.iter().map(scalar_text).collect(),
            Some(value) => vec![scalar_text(value)],
            None => vec![String::new()],
        };
        let mut spread = false;
        for filter in pipeline {
            match filter {
                "into" => spread = true,
                // A host path mounted at the same path in the container, unless it says where.
                "volume" => values
                    .iter_mut()
                    .filter(|v| !v.is_empty() && !v.contains(':'))
                    .for_each(|v| *v = format!("{v}:{v}")),
                // Where that mount appears inside the container.
                "volume-target" => values.iter_mut().for_each(|v| {
                    if let Some((_, target)) = v.split_once(':') {
                        *v = target.split(':').next().unwrap_or(target).to_string();
                    }
                }),
                other => {
                    return Err(TemplateError::UnknownFilter {
                        template: template.to_string(),
                        filter: other.to_string(),
                    });
                }
            }
        }
        if !spread && values.len() != 1 {
            // Without `into`, a list fills one string, comma-separated (Docker's behaviour).
            values = vec![values.join(",")];
        }
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
        assert_eq!(fill("{{fs.paths}}", &config).unwrap(), vec!["/a,/b"]);
    }

    #[test]
    fn volume_filters_mount_at_the_same_path() {
        let config = json!({"fs": {"paths": ["/a", "/src:/work"], "one": "/data"}});
        assert_eq!(
            fill("{{fs.paths|volume|into}}", &config).unwrap(),
            vec!["/a:/a", "/src:/work"]
        );
        assert_eq!(
            fill("{{fs.paths|volume-target|into}}", &config).unwrap(),
            vec!["/a", "/work"]
        );
        assert_eq!(
            fill("{{fs.one|volume-target}}/log.txt", &config).unwrap(),
            vec!["/data/log.txt"]
        );
    }

    #[test]
    fn rejects_unknown_filters_and_open_braces() {
        let config = json!({});
        assert!(matches!(
            fill("{{a|shout}}", &config),
            Err(TemplateError::UnknownFilter { .. })
        ));
        assert!(matches!(
            fill("{{a", &config),
            Err(TemplateError::Unterminated { .. })
        ));
    }
}
