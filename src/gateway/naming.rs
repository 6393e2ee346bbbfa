//! The names added tools are exposed under, and how collisions between servers are settled.

use std::collections::HashSet;
use std::fmt;

/// A tool name as clients see it: matches `^[a-zA-Z0-9_-]{1,64}$` by construction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExposedToolName(String);

impl ExposedToolName {
    const MAX_LEN: usize = 64;

    /// Accepts `name` only if clients can call it as it is.
    pub fn new(name: &str) -> Option<ExposedToolName> {
        let valid = !name.is_empty()
            && name.len() <= Self::MAX_LEN
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        valid.then(|| ExposedToolName(name.to_string()))
    }

    /// Makes a valid name from anything: invalid characters become `_`, the length is capped.
    fn sanitized(name: &str) -> ExposedToolName {
        let mut out: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if out.is_empty() {
            out.push('_');
        }
        out.truncate(Self::MAX_LEN);
        ExposedToolName(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExposedToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Picks the exposed name for `tool` of `server`, given the names already `taken`.
///
/// The tool keeps its own name when it is valid and free; otherwise it becomes
/// `<server>__<tool>`, and if even that is taken (or too long and cut), a numeric suffix makes
/// it unique. Never fails, so a collision can never abort an `mcp-add`.
pub(crate) fn expose(
    server: &str,
    tool: &str,
    taken: &HashSet<ExposedToolName>,
) -> ExposedToolName {
    if let Some(name) = ExposedToolName::new(tool).filter(|n| !taken.contains(n)) {
        return name;
    }
    let prefixed = ExposedToolName::sanitized(&format!("{server}__{tool}"));
    if !taken.contains(&prefixed) {
        return prefixed;
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            let mut base = prefixed.0.clone();
            base.truncate(ExposedToolName::MAX_LEN - suffix.len());
            ExposedToolName(base + &suffix)
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(prefixed) // The range is unbounded and `taken` finite: `find` always succeeds.
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(names: &[&str]) -> HashSet<ExposedToolName> {
        names
            .iter()
            .map(|n| ExposedToolName::new(n).unwrap())
            .collect()
    }

    #[test]
    fn free_valid_names_are_kept() {
        assert_eq!(expose("echo", "echo", &taken(&[])).as_str(), "echo");
    }

    #[test]
    fn collisions_get_the_server_prefix_then_a_number() {
        assert_eq!(
            expose("other", "echo", &taken(&["echo"])).as_str(),
            "other__echo"
        );
        assert_eq!(
            expose("other", "echo", &taken(&["echo", "other__echo"])).as_str(),
            "other__echo_2"
        );
    }

    #[test]
    fn invalid_names_are_made_valid() {
        assert_eq!(
            expose("srv", "get.file", &taken(&[])).as_str(),
            "srv__get_file"
        );
        let long = "x".repeat(100);
        let name = expose("srv", &long, &taken(&[]));
        assert!(ExposedToolName::new(name.as_str()).is_some());
        assert_eq!(name.as_str().len(), 64);
        let again = expose("srv", &long, &HashSet::from([name.clone()]));
        assert!(again.as_str().ends_with("_2") && again.as_str().len() == 64);
    }
}
