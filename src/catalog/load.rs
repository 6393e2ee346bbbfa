//! Where catalogs come from (the bundled one, files, directories, URLs) and merging several
//! into one [`Catalog`]. The formats are `catalog/format/`; fetching is `catalog/fetch.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalog::format::{self, Document};
use crate::catalog::{CatalogEntry, Error, ServerName, fetch};
use crate::store::CatalogCache;

/// The catalog shipped inside the binary, used when no `--catalog` is given.
pub const BUNDLED: &str = include_str!("../../catalogs/switchboard.yaml");

/// Where a catalog comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The catalog compiled into the binary.
    Bundled,
    /// A catalog file, or a directory of them (`*.json` registry servers and `*.yaml`
    /// Docker catalogs).
    File(PathBuf),
    /// An `http://` or `https://` URL, fetched and cached.
    Url(String),
}

/// Docker's published catalog, what `--catalog docker` fetches.
pub const DOCKER_CATALOG_URL: &str = "https://desktop.docker.com/mcp/catalog/v3/catalog.yaml";

impl Source {
    /// Reads a `--catalog` argument: `bundled` and `docker` name the two well-known catalogs
    /// (write `./docker` for a file of that name), `http(s)://` is a URL, anything else a path.
    pub fn parse(arg: &str) -> Source {
        match arg {
            "bundled" => Source::Bundled,
            "docker" => Source::Url(DOCKER_CATALOG_URL.to_string()),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Source::Url(url.to_string())
            }
            path => Source::File(PathBuf::from(path)),
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

    /// Parses one catalog document, in either format; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Catalog, Error> {
        Catalog::of(vec![format::parse(origin, text)?])
    }

    /// The catalog of one source's documents: its registry servers keyed together, then its
    /// Docker catalogs in order over them (hand-written entries win).
    fn of(documents: Vec<Document>) -> Result<Catalog, Error> {
        let mut listed = Vec::new();
        let mut docker = Vec::new();
        for document in documents {
            match document {
                Document::Registry(servers) => listed.extend(servers),
                Document::Docker(entries) => docker.push(entries),
            }
        }
        let mut catalog = Catalog::default();
        let registry = format::registry::entries(listed)?;
        for entry in registry.into_iter().chain(docker.into_iter().flatten()) {
            catalog.insert(entry);
        }
        Ok(catalog)
    }

    fn insert(&mut self, entry: CatalogEntry) {
        let name = entry.name.clone();
        if self.entries.insert(name.clone(), entry).is_some() {
            tracing::info!(server = %name, "a later catalog overrides this server");
        }
    }

    fn merge(&mut self, other: Catalog) {
        for entry in other.entries.into_values() {
            self.insert(entry);
        }
    }
}

/// Loads and merges `sources` in order, fetching URLs through `cache`; no sources means the
/// bundled catalog.
pub async fn load_sources(sources: &[Source], cache: &CatalogCache) -> Result<Catalog, Error> {
    if sources.is_empty() {
        return Catalog::parse("(bundled)", BUNDLED);
    }
    let mut catalog = Catalog::default();
    for source in sources {
        let next = match source {
            Source::Url(url) => fetch::fetch(url, cache).await?,
            local => load_local(local)?,
        };
        catalog.merge(next);
    }
    Ok(catalog)
}

/// [`load_sources`] without a runtime, for sources on this machine; a URL is an error.
pub fn load(sources: &[Source]) -> Result<Catalog, Error> {
    if sources.is_empty() {
        return Catalog::parse("(bundled)", BUNDLED);
    }
    let mut catalog = Catalog::default();
    for source in sources {
        catalog.merge(load_local(source)?);
    }
    Ok(catalog)
}

fn load_local(source: &Source) -> Result<Catalog, Error> {
    match source {
        Source::Bundled => Catalog::parse("(bundled)", BUNDLED),
        Source::File(path) if path.is_dir() => read_dir(path),
        Source::File(path) => Catalog::parse(&path.display().to_string(), &read(path)?),
        Source::Url(url) => Err(Error::UrlNeedsFetch {
            url: fetch::shown(url),
        }),
    }
}

/// A directory's `*.json`, `*.yaml` and `*.yml` files (hidden ones aside), in name order, as
/// one source.
fn read_dir(dir: &Path) -> Result<Catalog, Error> {
    let read_error = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).map_err(read_error)? {
        let path = item.map_err(read_error)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(".");
        let catalog_file = [".json", ".yaml", ".yml"].iter().any(|e| name.ends_with(e));
        if catalog_file && !name.starts_with('.') && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(Error::EmptyDirectory {
            path: dir.to_path_buf(),
        });
    }
    files.sort();
    let documents = files
        .iter()
        .map(|path| format::parse(&path.display().to_string(), &read(path)?))
        .collect::<Result<Vec<_>, Error>>()?;
    Catalog::of(documents)
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_arguments_name_sources() {
        assert!(matches!(Source::parse("bundled"), Source::Bundled));
        assert!(matches!(Source::parse("docker"), Source::Url(u) if u == DOCKER_CATALOG_URL));
        assert!(matches!(Source::parse("./docker"), Source::File(p) if p == Path::new("./docker")));
        assert!(matches!(
            Source::parse("https://x.test/c.yaml"),
            Source::Url(_)
        ));
        assert!(matches!(Source::parse("c.yaml"), Source::File(_)));
    }

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

    /// A directory is one source: its registry servers are keyed together (two `weather`s
    /// take longer keys), and its Docker catalogs win over them.
    #[test]
    fn a_directory_merges_its_files_as_one_source() {
        let dir = tempfile::tempdir().unwrap();
        let server = |name: &str| {
            format!(
                r#"{{"name": "{name}", "description": "d", "version": "1.0.0", "remotes": [{{"type": "streamable-http", "url": "https://x.example/mcp"}}]}}"#
            )
        };
        std::fs::write(dir.path().join("a.json"), server("io.github.alice/weather")).unwrap();
        std::fs::write(dir.path().join("b.json"), server("io.github.bob/weather")).unwrap();
        std::fs::write(dir.path().join("c.json"), server("com.example/clock")).unwrap();
        std::fs::write(
            dir.path().join("d.yaml"),
            "registry:\n  clock:\n    title: Hand-written\n    type: server\n    image: x\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a catalog").unwrap();
        std::fs::write(dir.path().join(".hidden.json"), "not even JSON").unwrap();
        let catalog = load(&[Source::File(dir.path().to_path_buf())]).unwrap();
        let names: Vec<&str> = catalog.entries().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["alice-weather", "bob-weather", "clock"]);
        assert_eq!(catalog.get("clock").unwrap().title, "Hand-written");

        let empty = tempfile::tempdir().unwrap();
        let err = load(&[Source::File(empty.path().to_path_buf())]).unwrap_err();
        assert!(matches!(err, Error::EmptyDirectory { .. }), "{err}");
        let err = load(&[Source::parse("https://example.test/c.json")]).unwrap_err();
        assert!(matches!(err, Error::UrlNeedsFetch { .. }), "{err}");
    }
}
