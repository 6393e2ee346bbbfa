//! Secret values, found by the environment variable name the catalog declares for them.

use std::collections::HashMap;
use std::fmt;

/// A secret value. It reaches a container's environment and nothing else: no log, no error,
/// no tool result.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that needs it: the container's environment.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where secrets are looked up. A catalog secret `{name: github.personal_access_token, env:
/// GITHUB_PERSONAL_ACCESS_TOKEN}` is satisfied by `GITHUB_PERSONAL_ACCESS_TOKEN` in the
/// environment the gateway was started with.
#[derive(Clone, Default)]
pub struct Secrets {
    values: HashMap<String, Secret>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        f.debug_struct("Secrets").field("names", &names).finish()
    }
}

impl Secrets {
    /// Keeps the given environment, minus empty values.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Secrets {
        let values = vars
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name, Secret(value)))
            .collect();
        Secrets { values }
    }

    /// The value for the environment variable `env`, if set.
    pub fn get(&self, env: &str) -> Option<&Secret> {
        self.values.get(env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_never_show_in_debug() {
        let secrets = Secrets::from_env([("TOKEN".to_string(), "hunter2-value".to_string())]);
        let shown = format!("{secrets:?} {:?}", secrets.get("TOKEN"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(
            secrets.get("TOKEN").map(Secret::expose),
            Some("hunter2-value")
        );
    }
}
