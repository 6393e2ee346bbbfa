//! JSON files written atomically with owner-only permissions.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::Error;

/// Reads a JSON file; a missing file is the default value.
pub(crate) fn read<T: DeserializeOwned + Default>(path: &Path) -> Result<T, Error> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| Error::Corrupt {
            path: path.to_path_buf(),
            source,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `value` as JSON: to a temporary file created with mode 0600 in the same directory
/// (itself 0700), flushed to disk, then renamed over `path`, so a crash never leaves half a
/// file and the content is never readable by others, not even for a moment.
pub(crate) fn write<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(write_error)?;
    let bytes =
        serde_json::to_vec_pretty(value).map_err(|e| write_error(std::io::Error::other(e)))?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(write_error)?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(write_error)?;
    std::fs::rename(&temporary, path).map_err(write_error)
}

/// Removes `name` from a JSON object file; false if it was not there.
pub(crate) fn remove_key(path: &Path, name: &str) -> Result<bool, Error> {
    let mut all: std::collections::BTreeMap<String, serde_json::Value> = read(path)?;
    let removed = all.remove(name).is_some();
    if removed {
        write(path, &all)?;
    }
    Ok(removed)
}

/// The keys of a JSON object file, sorted.
pub(crate) fn keys(path: &Path) -> Result<Vec<String>, Error> {
    let all: std::collections::BTreeMap<String, serde_json::Value> = read(path)?;
    Ok(all.into_keys().collect())
}
