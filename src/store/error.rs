//! Failures reading or writing the state directory.

use std::path::PathBuf;

/// Why the store could not read or write a file; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid JSON; fix or delete it", path.display())]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "`{name}` is not a valid secret name: use letters, digits, `.`, `_` and `-` (for example github.personal_access_token)"
    )]
    BadSecretName { name: String },
    #[error(
        "`{name}` is not a valid token name: use letters, digits, `-` and `_` (it also names the workspace)"
    )]
    BadTokenName { name: String },
}
