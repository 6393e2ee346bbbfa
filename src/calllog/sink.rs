//! Where the call log's lines go: a file appended to by a writer thread (so a call never
//! waits for the disk), or stderr. Several gateways may append to one file at once (each
//! stdio client starts its own): each line is one `write` on an `O_APPEND` descriptor, the
//! file is rotated to `<name>.1` under an `flock` of the file itself, and a writer whose path
//! was rotated by another process reopens it.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// The size past which the log file is rotated (one old file is kept).
pub const ROTATE_BYTES: u64 = 16 << 20;

/// Appends lines to a log file, rotating and reopening it as needed; owned by the writer thread.
#[derive(Debug)]
pub(super) struct FileSink {
    path: PathBuf,
    rotate_bytes: u64,
    /// The open file and its inode; `None` until opened (or after a failure).
    open: Option<(File, u64)>,
    /// A failure was logged and nothing has succeeded since: later failures stay quiet.
    warned: bool,
}

impl FileSink {
    /// A sink for `path`, opened at once (creating its directory 0700 and the file 0600) so
    /// the file exists from the start; a failure is logged and retried on each line.
    pub(super) fn new(path: PathBuf, rotate_bytes: u64) -> FileSink {
        let mut sink = FileSink {
            path,
            rotate_bytes,
            open: None,
            warned: false,
        };
        if let Err(error) = sink.reopen() {
            sink.warn(&error);
        }
        sink
    }

    /// Appends `lines` (each ending in a newline) in one write, so no other writer of the file
    /// comes between them; a failure is logged once.
    pub(super) fn append(&mut self, line: &[u8]) {
        match self.try_append(line) {
            Ok(()) => self.warned = false,
            Err(error) => {
                self.warn(&error);
                // The next line starts again from the path.
                self.open = None;
            }
        }
    }

    fn warn(&mut self, error: &std::io::Error) {
        if !self.warned {
            self.warned = true;
            tracing::warn!(path = %self.path.display(), error = %error, "cannot write the call log; calls go on unlogged");
        }
    }

    fn try_append(&mut self, line: &[u8]) -> std::io::Result<()> {
        let size = match std::fs::metadata(&self.path) {
            Ok(meta)
                if self
                    .open
                    .as_ref()
                    .is_some_and(|(_, ino)| *ino == meta.ino()) =>
            {
                meta.len()
            }
            // Rotated or removed by someone else, or never opened: start on what the path is.
            _ => self.reopen()?,
        };
        if size > 0 && size + line.len() as u64 > self.rotate_bytes {
            self.rotate()?;
        }
        let (file, _) = self.open.as_mut().ok_or_else(not_open)?;
        file.write_all(line)
    }

    /// Opens (creating) the path for appending; returns the file's size.
    fn reopen(&mut self) -> std::io::Result<u64> {
        self.open = None;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)?;
        let meta = file.metadata()?;
        self.open = Some((file, meta.ino()));
        Ok(meta.len())
    }

    /// Moves the full file to `<name>.1` (replacing the older one) and starts a new one. Under
    /// an exclusive lock of the full file, so that of two gateways seeing it full only one
    /// renames it; the other finds the path renamed and reopens.
    fn rotate(&mut self) -> std::io::Result<()> {
        let (file, ino) = self.open.as_ref().ok_or_else(not_open)?;
        file.lock()?;
        let still_ours = std::fs::metadata(&self.path).is_ok_and(|meta| meta.ino() == *ino);
        let renamed = if still_ours {
            std::fs::rename(&self.path, rotated(&self.path))
        } else {
            Ok(())
        };
        let _ = file.unlock();
        renamed?;
        self.reopen().map(drop)
    }
}

/// The rotated file beside `path`: `calls.jsonl` -> `calls.jsonl.1`.
pub fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

fn not_open() -> std::io::Error {
    std::io::Error::other("the call log file is not open")
}

/// Writes `line` to stderr in one write (stderr is unbuffered; the lock keeps our own log
/// lines from splitting it).
pub(super) fn to_stderr(line: &[u8]) {
    let _ = std::io::stderr().lock().write_all(line);
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn creates_a_private_directory_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/calls.jsonl");
        let mut sink = FileSink::new(path.clone(), ROTATE_BYTES);
        assert!(path.exists(), "opened before the first line");
        sink.append(b"one\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("logs")), 0o700);
        assert_eq!(lines(&path), ["one"]);
    }

    #[test]
    fn rotates_past_the_limit_keeping_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let mut sink = FileSink::new(path.clone(), 10);
        sink.append(b"aaaa\n"); // 5
        sink.append(b"bbbb\n"); // 10: fits exactly
        sink.append(b"cccc\n"); // would be 15: rotate first
        assert_eq!(lines(&rotated(&path)), ["aaaa", "bbbb"]);
        assert_eq!(lines(&path), ["cccc"]);
        sink.append(b"dddd\n");
        sink.append(b"eeee\n"); // rotates again: the oldest lines go
        assert_eq!(lines(&rotated(&path)), ["cccc", "dddd"]);
        assert_eq!(lines(&path), ["eeee"]);
    }

    #[test]
    fn a_line_larger_than_the_limit_is_still_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let mut sink = FileSink::new(path.clone(), 4);
        sink.append(b"a long line\n");
        assert_eq!(lines(&path), ["a long line"]);
    }

    #[test]
    fn two_writers_share_one_file_and_one_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let mut first = FileSink::new(path.clone(), 12);
        let mut second = FileSink::new(path.clone(), 12);
        first.append(b"1111\n");
        second.append(b"2222\n");
        // `first` rotates; `second` must follow the path to the new file, not rotate again.
        first.append(b"3333\n");
        second.append(b"4444\n");
        assert_eq!(lines(&rotated(&path)), ["1111", "2222"]);
        assert_eq!(lines(&path), ["3333", "4444"]);
    }

    #[test]
    fn a_removed_file_is_created_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let mut sink = FileSink::new(path.clone(), ROTATE_BYTES);
        sink.append(b"one\n");
        std::fs::remove_file(&path).unwrap();
        sink.append(b"two\n");
        assert_eq!(lines(&path), ["two"]);
    }

    #[test]
    fn an_unwritable_path_fails_quietly_and_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("logs");
        std::fs::write(&blocker, "a file where the directory should be").unwrap();
        let path = blocker.join("calls.jsonl");
        let mut sink = FileSink::new(path.clone(), ROTATE_BYTES);
        sink.append(b"lost\n");
        assert!(sink.warned);
        std::fs::remove_file(&blocker).unwrap();
        sink.append(b"kept\n");
        assert!(!sink.warned);
        assert_eq!(lines(&path), ["kept"]);
    }
}
