//! What can go wrong while loading a catalog.

use std::path::PathBuf;

/// A catalog that cannot be used; every variant names where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
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
    /// The file has no `registry` mapping of servers.
    #[error("catalog {origin} has no `registry:` mapping of servers")]
    NoRegistry { origin: String },
    /// One entry does not have the shape of a server.
    #[error("catalog {origin}, entry `{entry}`: {reason}")]
    Entry {
        origin: String,
        entry: String,
        reason: String,
    },
    /// Catalog URLs are accepted by the command line but not fetched yet.
    #[error(
        "catalog {url}: loading catalogs over HTTP is not supported yet; download it and pass the file path"
    )]
    UrlUnsupported { url: String },
}
