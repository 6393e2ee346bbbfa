//! Reading catalog files and merging several into one [`Catalog`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalog::{CatalogEntry, Error, ServerKind, ServerName};

/// The catalog shipped inside the binary, used when no `--catalog` is given.
pub const BUNDLED: &str = include_str!("../../catalogs/switchboard.yaml");

/// Where a catalog comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The catalog compiled into the binary.
    Bundled,
    /// A YAML file on disk.
    File(PathBuf),
    /// A URL given on the command line.
    Url(String),
}

impl Source {
    /// Reads a `--catalog` argument: `http(s)://` is a URL, anything else a path.
    pub fn parse(arg: &str) -> Source {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            Source::Url(arg.to_string())
        } else {
            Source::File(PathBuf::from(arg))
        }
    }
}

/// Every server of the loaded catalogs, by name; later catalogs override earlier ones.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<ServerName, CatalogEntry>,
}

impl Catalog {
    pub fn get(&self, name: &str) -> Option<&CatalogEntry> {
        self.entries.get(name)
    }

    /// Entries in name order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &CatalogEntry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses one catalog document; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Catalog, Error> {
        let document: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|source| Error::Syntax {
                origin: origin.to_string(),
                source,
            })?;
        let Some(registry) = document.get("registry").and_then(|r| r.as_mapping()) else {
            return Err(Error::NoRegistry {
                origin: origin.to_string(),
            });
        };
        let mut entries = BTreeMap::new();
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
            let mut entry: CatalogEntry = serde_yaml_ng::from_value(value.clone())
                .map_err(|e| entry_error(name.to_string(), e.to_string()))?;
            entry.name = ServerName::new(name);
            check_entry(&entry).map_err(|reason| entry_error(name.to_string(), reason))?;
            entries.insert(entry.name.clone(), entry);
        }
        Ok(Catalog { entries })
    }

    fn merge(&mut self, other: Catalog) {
        for (name, entry) in other.entries {
            if self.entries.insert(name.clone(), entry).is_some() {
                tracing::info!(server = %name, "a later catalog overrides this server");
            }
        }
    }
}

/// Loads and merges `sources` in order; no sources means the bundled catalog.
pub fn load(sources: &[Source]) -> Result<Catalog, Error> {
    if sources.is_empty() {
        return Catalog::parse("(bundled)", BUNDLED);
    }
    let mut catalog = Catalog::default();
    for source in sources {
        let next = match source {
            Source::Bundled => Catalog::parse("(bundled)", BUNDLED)?,
            Source::File(path) => read_file(path)?,
            Source::Url(url) => return Err(Error::UrlUnsupported { url: url.clone() }),
        };
        catalog.merge(next);
    }
    Ok(catalog)
}

fn read_file(path: &Path) -> Result<Catalog, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Catalog::parse(&path.display().to_string(), &text)
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
    fn bundled_catalog_loads() {
        let catalog = load(&[]).unwrap();
        assert!(
            catalog.len() >= 40,
            "bundled catalog has {} servers",
            catalog.len()
        );
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let text = "registry:\n  a:\n    type: server\n    image: x/y\n    shiny: [1, 2]\n";
        let catalog = Catalog::parse("t.yaml", text).unwrap();
        assert_eq!(catalog.get("a").unwrap().image.as_deref(), Some("x/y"));
    }

    #[test]
    fn prompts_and_resources_are_counted_however_written() {
        let text = "registry:\n  a:\n    type: server\n    image: x\n    prompts: 3\n    \
                    resources: {docs: {}, logs: {}}\n  b:\n    type: server\n    image: x\n    \
                    prompts: [p, q]\n  c:\n    type: server\n    image: x\n";
        let catalog = Catalog::parse("t.yaml", text).unwrap();
        let a = catalog.get("a").unwrap();
        assert_eq!((a.prompts, a.resources), (Some(3), Some(2)));
        let b = catalog.get("b").unwrap();
        assert_eq!((b.prompts, b.resources), (Some(2), None));
        let c = catalog.get("c").unwrap();
        assert_eq!((c.prompts, c.resources), (None, None));
        let bad = "registry:\n  d:\n    type: server\n    image: x\n    prompts: many\n";
        let err = Catalog::parse("t.yaml", bad).unwrap_err().to_string();
        assert!(
            err.contains("`d`") && err.contains("expected a count"),
            "{err}"
        );
    }

    #[test]
    fn malformed_entries_name_file_and_entry() {
        let text = "registry:\n  good:\n    type: server\n    image: x\n  bad:\n    type: server\n    tools: 7\n";
        let err = Catalog::parse("t.yaml", text).unwrap_err().to_string();
        assert!(err.contains("t.yaml") && err.contains("`bad`"), "{err}");
        let err = Catalog::parse("t.yaml", "registry:\n  nope:\n    type: server\n").unwrap_err();
        assert!(err.to_string().contains("needs an `image`"), "{err}");
        let err = Catalog::parse("t.yaml", "registry: [").unwrap_err();
        assert!(matches!(err, Error::Syntax { .. }), "{err}");
        let err = Catalog::parse("t.yaml", "servers: {}").unwrap_err();
        assert!(matches!(err, Error::NoRegistry { .. }), "{err}");
    }
}
