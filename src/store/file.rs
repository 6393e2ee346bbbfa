//! JSON files written atomically with owner-only permissions, and changed under a lock so that
//! two writers (two sessions of one workspace, or the gateway and a `switchboard` command run
//! beside it) never lose each other's update.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Reads `path`, lets `change` edit the value, and writes it back, all under an exclusive lock
/// on a sibling lock file (`flock`, which also excludes other processes). `change` returns
/// whether it changed anything; nothing is written when it did not.
pub(crate) fn update<T, R>(
    path: &Path,
    change: impl FnOnce(&mut T) -> (bool, R),
) -> Result<R, Error>
where
    T: Serialize + DeserializeOwned + Default,
{
    let _lock = lock(path)?;
    let mut value: T = read(path)?;
    let (changed, outcome) = change(&mut value);
    if changed {
        write(path, &value)?;
    }
    Ok(outcome)
}

/// Deletes `path` (and its lock file); true if it existed.
pub(crate) fn delete(path: &Path) -> Result<bool, Error> {
    let _lock = lock(path)?;
    let existed = match std::fs::remove_file(path) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(source) => {
            return Err(Error::Write {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let _ = std::fs::remove_file(lock_path(path));
    Ok(existed)
}

/// Holds the lock of `path` until dropped (closing the file releases it).
fn lock(path: &Path) -> Result<std::fs::File, Error> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    create_dir(path).map_err(write_error)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(lock_path(path))
        .map_err(write_error)?;
    file.lock().map_err(write_error)?;
    Ok(file)
}

fn lock_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    path.with_file_name(format!(".{name}.lock"))
}

fn create_dir(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `value` as JSON: to a temporary file created with mode 0600 in the same directory
/// (itself 0700), flushed to disk, then renamed over `path`, so a crash never leaves half a
/// file and the content is never readable by others, not even for a moment. Temporary names are
/// unique per process and write, so concurrent writers never share one.
pub(crate) fn write<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    create_dir(path).map_err(write_error)?;
    let bytes =
        serde_json::to_vec_pretty(value).map_err(|e| write_error(std::io::Error::other(e)))?;
    let temporary = path.with_file_name(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(&bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(error));
    }
    Ok(())
}

/// What changes when a file is rewritten (`write` renames a new file over it, so the inode
/// changes too): compared by the readers that keep a parsed copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    modified: Option<std::time::SystemTime>,
    len: u64,
    inode: u64,
}

/// The file's stamp; `None` if it does not exist (or cannot be read).
pub(crate) fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        inode: m.ino(),
    })
}

/// Removes `name` from a JSON object file; false if it was not there.
pub(crate) fn remove_key(path: &Path, name: &str) -> Result<bool, Error> {
    update(
        path,
        |all: &mut std::collections::BTreeMap<String, serde_json::Value>| {
            let removed = all.remove(name).is_some();
            (removed, removed)
        },
    )
}

/// The keys of a JSON object file, sorted.
pub(crate) fn keys(path: &Path) -> Result<Vec<String>, Error> {
    let all: std::collections::BTreeMap<String, serde_json::Value> = read(path)?;
    Ok(all.into_keys().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many threads adding one key each to the same file: every key survives.
    #[test]
    fn concurrent_updates_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/all.json");
        std::thread::scope(|scope| {
            for i in 0..16 {
                let path = &path;
                scope.spawn(move || {
                    update(path, |all: &mut std::collections::BTreeMap<String, u32>| {
                        all.insert(format!("key-{i}"), i);
                        (true, ())
                    })
                    .unwrap();
                });
            }
        });
        let all: std::collections::BTreeMap<String, u32> = read(&path).unwrap();
        assert_eq!(all.len(), 16, "{all:?}");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert!(delete(&path).unwrap());
        assert!(!delete(&path).unwrap());
    }
}
