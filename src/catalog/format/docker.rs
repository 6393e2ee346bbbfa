//! Docker's MCP catalog format (version 2): a `registry:` mapping of server name to entry,
//! deserialized straight into [`CatalogEntry`], whose fields follow this format.

use crate::catalog::{CatalogEntry, Error, ServerKind, ServerName};

/// The entries of one Docker catalog document, in file order; `origin` names it in errors.
pub(crate) fn parse(origin: &str, text: &str) -> Result<Vec<CatalogEntry>, Error> {
    let mut document: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|source| Error::Syntax {
            origin: origin.to_string(),
            source,
        })?;
    // Taken out of the document: each entry's tree is deserialized once, never copied.
    let Some(registry) = document
        .get_mut("registry")
        .and_then(|r| r.as_mapping_mut())
        .map(std::mem::take)
    else {
        return Err(Error::NoRegistry {
            origin: origin.to_string(),
        });
    };
    let mut entries = Vec::with_capacity(registry.len());
    for (key, value) in registry {
        let entry_error = |entry: String, reason: String| Error::Entry {
            origin: origin.to_string(),
            entry,
            reason,
        };
        let Some(name) = key.as_str() else {
            return Err(entry_error(
                format!("{key:?}"),
                "server names must be strings".into(),
            ));
        };
        let mut entry: CatalogEntry = serde_yaml_ng::from_value(value)
            .map_err(|e| entry_error(name.to_string(), e.to_string()))?;
        entry.name = ServerName::new(name);
        check_entry(&entry).map_err(|reason| entry_error(name.to_string(), reason))?;
        entries.push(entry);
    }
    Ok(entries)
}

/// What serde cannot say: the fields a kind of server needs to be runnable at all.
fn check_entry(entry: &CatalogEntry) -> Result<(), String> {
    match entry.kind {
        ServerKind::Server if entry.image.as_deref().is_none_or(str::is_empty) => {
            Err("`type: server` needs an `image`".into())
        }
        ServerKind::Remote if entry.remote.as_ref().is_none_or(|r| r.url.is_empty()) => {
            Err("`type: remote` needs `remote.url`".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_ignored_and_file_order_is_kept() {
        let text = "registry:\n  b:\n    type: server\n    image: x/y\n    shiny: [1, 2]\n  \
                    a:\n    type: remote\n    remote: {url: 'https://a.example/mcp'}\n";
        let entries = parse("t.yaml", text).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(entries[0].image.as_deref(), Some("x/y"));
        assert!(!entries[0].fill_defaults && entries[0].published.is_none());
    }

    #[test]
    fn command_items_are_plain_values() {
        let text =
            "registry:\n  a:\n    type: server\n    image: x\n    command: [run, 8080, true]\n";
        let entries = parse("t.yaml", text).unwrap();
        let values: Vec<&str> = entries[0]
            .command
            .iter()
            .map(|c| {
                assert!(c.flag.is_none() && c.needs.is_empty());
                c.value.0.as_str()
            })
            .collect();
        assert_eq!(values, ["run", "8080", "true"]);
    }

    #[test]
    fn runnable_kinds_need_their_fields() {
        let err = parse("t.yaml", "registry:\n  r:\n    type: remote\n").unwrap_err();
        assert!(err.to_string().contains("needs `remote.url`"), "{err}");
        let err = parse("t.yaml", "registry:\n  n:\n    type: npm\n").unwrap_err();
        assert!(err.to_string().contains("`n`"), "{err}");
    }
}
