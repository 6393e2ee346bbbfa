//! What can go wrong while loading a catalog.

use std::path::PathBuf;

/// A catalog that cannot be used; every variant names where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file (or directory) could not be read.
    #[error("cannot read catalog {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML of the expected shape.
    #[error("catalog {origin} is not a valid catalog file: {source}")]
    Syntax {
        origin: String,
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// The document looks like JSON but is not valid JSON.
    #[error("catalog {origin} is not valid JSON: {source}")]
    Json {
        origin: String,
        #[source]
        source: serde_json::Error,
    },
    /// The document is neither of the catalog formats.
    #[error(
        "catalog {origin} has no `registry:` mapping of servers (Docker's catalog format), nor is it an MCP Registry `server.json` or `/v0/servers` list"
    )]
    NoRegistry { origin: String },
    /// A directory with no catalog files in it.
    #[error("catalog directory {} holds no `*.json`, `*.yaml` or `*.yml` files", path.display())]
    EmptyDirectory { path: PathBuf },
    /// One entry does not have the shape of a server.
    #[error("catalog {origin}, entry `{entry}`: {reason}")]
    Entry {
        origin: String,
        entry: String,
        reason: String,
    },
    /// A catalog URL that could not be fetched, with no cached copy to fall back on.
    #[error("cannot fetch catalog {url}, and there is no cached copy of it")]
    Fetch {
        url: String,
        #[source]
        source: crate::catalog::FetchError,
    },
    /// A URL handed to the loader that reads local files only.
    #[error("catalog {url}: URLs are fetched by `catalog::load_sources`, not `catalog::load`")]
    UrlNeedsFetch { url: String },
}
