//! What can go wrong while reading or editing a client's config file. Every variant names the
//! file (or the client) and says what to do; none carries a token.

use std::path::PathBuf;

/// A client config that could not be read, understood or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// We do not know where the client keeps its config here (or it has no project file).
    #[error("{reason}. Add Switchboard to {client}'s config yourself:\n\n{snippet}")]
    Unplaced {
        client: &'static str,
        reason: String,
        snippet: String,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid in its format; nothing was written.
    #[error(
        "cannot parse {} (line {line}, column {column}): {message}; fix it (or move it away) and run this again, nothing was changed",
        path.display()
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The file parses but is not shaped the way the client reads it (a list where a map
    /// belongs, say); nothing was written.
    #[error("{}: {message}; nothing was changed", path.display())]
    Shape { path: PathBuf, message: String },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where in a text a byte offset falls: 1-based line and column (in characters).
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// A problem with a text, before we know which file it came from.
#[derive(Debug)]
pub(crate) enum Problem {
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    Shape(String),
}

impl Problem {
    /// The error for `path`.
    pub(crate) fn at(self, path: &std::path::Path) -> Error {
        let path = path.to_path_buf();
        match self {
            Problem::Parse {
                line,
                column,
                message,
            } => Error::Parse {
                path,
                line,
                column,
                message,
            },
            Problem::Shape(message) => Error::Shape { path, message },
        }
    }
}
