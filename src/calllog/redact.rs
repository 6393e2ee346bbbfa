//! Taking secrets out of what the call log keeps: every secret value a workspace's servers
//! were given, wherever it appears inside a string (also as part of one), and whatever sits
//! under a key the catalog declares secret. Pure: the handler gathers the values.

use serde_json::Value;

/// What stands where a secret was.
pub const REDACTED: &str = "[redacted]";

/// The secrets of one call's workspace; [`Redactor::apply`] removes them from a JSON value.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Non-empty secret values, longest first, so a value that contains another goes whole.
    values: Vec<String>,
    /// Key names (lowercase) whose values are secret, e.g. `api_key` or `GITHUB_TOKEN`.
    keys: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values.
        f.debug_struct("Redactor")
            .field("values", &self.values.len())
            .field("keys", &self.keys)
            .finish()
    }
}

impl Redactor {
    /// A redactor for `values` (empty ones are ignored) and the secret key names `keys`
    /// (matched without regard to case).
    pub fn new(
        values: impl IntoIterator<Item = String>,
        keys: impl IntoIterator<Item = String>,
    ) -> Redactor {
        let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        let mut keys: Vec<String> = keys
            .into_iter()
            .filter(|k| !k.is_empty())
            .map(|k| k.to_ascii_lowercase())
            .collect();
        keys.sort();
        keys.dedup();
        Redactor { values, keys }
    }

    /// Whether there is nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.keys.is_empty()
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        let mut out = None::<String>;
        for value in &self.values {
            let current = out.as_deref().unwrap_or(text);
            if current.contains(value.as_str()) {
                out = Some(current.replace(value.as_str(), REDACTED));
            }
        }
        out.unwrap_or_else(|| text.to_string())
    }

    /// `value` with secret values replaced inside every string (keys too), every value under
    /// a secret key replaced whole, and numbers that spell a secret replaced.
    pub fn apply(&self, value: Value) -> Value {
        if self.is_empty() {
            return value;
        }
        match value {
            Value::String(text) => Value::String(self.text(&text)),
            Value::Number(number) => {
                let spelled = number.to_string();
                if self.values.iter().any(|v| spelled.contains(v.as_str())) {
                    Value::String(REDACTED.to_string())
                } else {
                    Value::Number(number)
                }
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, value)| {
                        let value = if self.is_secret_key(&key) {
                            Value::String(REDACTED.to_string())
                        } else {
                            self.apply(value)
                        };
                        (self.text(&key), value)
                    })
                    .collect(),
            ),
            other @ (Value::Null | Value::Bool(_)) => other,
        }
    }

    fn is_secret_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k.eq_ignore_ascii_case(key))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(
            ["s3cr3t-token".to_string(), "abc".to_string(), String::new()],
            ["API_KEY".to_string(), "github_token".to_string()],
        )
    }

    #[test]
    fn secret_values_go_wherever_they_appear_in_strings() {
        let redacted = redactor().apply(json!({
            "text": "my token is s3cr3t-token, ok",
            "nested": [{"deep": "xabcx"}, "s3cr3t-token"],
            "s3cr3t-token": "a key that is a secret",
            "count": 3,
        }));
        assert_eq!(
            redacted,
            json!({
                "text": "my token is [redacted], ok",
                "nested": [{"deep": "x[redacted]x"}, "[redacted]"],
                "[redacted]": "a key that is a secret",
                "count": 3,
            })
        );
    }

    #[test]
    fn values_under_secret_keys_go_whole_whatever_their_case_or_type() {
        let redacted = redactor().apply(json!({
            "api_key": "anything",
            "GITHUB_TOKEN": {"even": "objects"},
            "Api_Key": 12,
            "other": "kept",
        }));
        assert_eq!(
            redacted,
            json!({
                "api_key": "[redacted]",
                "GITHUB_TOKEN": "[redacted]",
                "Api_Key": "[redacted]",
                "other": "kept",
            })
        );
    }

    #[test]
    fn a_secret_containing_another_is_redacted_whole() {
        let redactor = Redactor::new(["tok".to_string(), "token-123".to_string()], []);
        assert_eq!(
            redactor.text("a token-123 and a tok"),
            "a [redacted] and a [redacted]"
        );
    }

    #[test]
    fn numbers_spelling_a_secret_are_redacted() {
        let redactor = Redactor::new(["424242".to_string()], []);
        assert_eq!(
            redactor.apply(json!([424242, 1, 94242424])),
            json!(["[redacted]", 1, "[redacted]"])
        );
    }

    #[test]
    fn nothing_to_redact_leaves_the_value_alone_and_debug_hides_values() {
        let empty = Redactor::new([String::new()], []);
        assert!(empty.is_empty());
        assert_eq!(empty.apply(json!({"a": "b"})), json!({"a": "b"}));
        assert!(!format!("{:?}", redactor()).contains("s3cr3t"));
    }
}
