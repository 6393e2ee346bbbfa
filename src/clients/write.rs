//! Reading a client's file and replacing it atomically: the new content goes to a temporary
//! file in the same directory (with the old file's permissions, or 0600 for a new one since it
//! may hold a token), is flushed, and renamed over the file, so the client never reads half a
//! file. The previous content is kept beside it as `FILE.switchboard.bak`. A symlinked file
//! (dotfile managers) is written through the link, which stays.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::clients::error::Error;

/// The file's text; `None` if it does not exist.
pub(crate) fn read(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `new` over `path`, whose content was `old`; returns the backup of `old`, if any.
pub(crate) fn replace(path: &Path, old: Option<&str>, new: &str) -> Result<Option<PathBuf>, Error> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(write_error)?
        }
        _ => path.to_path_buf(),
    };
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    let mode = std::fs::metadata(&target)
        .map(|meta| meta.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    let backup = match old {
        Some(old) => {
            let backup = sibling(path, "switchboard.bak");
            atomic_write(&backup, old, mode).map_err(write_error)?;
            Some(backup)
        }
        None => None,
    };
    atomic_write(&target, new, mode).map_err(write_error)?;
    Ok(backup)
}

/// `DIR/NAME.suffix` beside `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.{suffix}"))
}

fn atomic_write(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.switchboard.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&temporary)
        .and_then(|mut file| {
            // `mode` on open is filtered by the umask; the file must match the original.
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_permissions_backs_up_and_writes_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let backup = replace(&link, Some("old"), "new").unwrap().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "old");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let fresh = dir.path().join("a/b/new.json");
        assert_eq!(replace(&fresh, None, "x").unwrap(), None);
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
