//! `switchboard logs`: prints the call log that `run --call-log` writes (by default
//! `$SWITCHBOARD_HOME/logs/calls.jsonl`, its rotated `.1` first), one readable line per call
//! or the JSON lines as they are; `--follow` keeps printing lines as gateways append them,
//! through rotations, until interrupted.

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::calllog::{CallKind, CallRecord};

/// How often `--follow` looks for new lines.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, clap::Args)]
pub(super) struct LogsArgs {
    /// Keep printing calls as they are logged (until Ctrl-C).
    #[arg(long, short = 'f')]
    follow: bool,
    /// Only the calls of this workspace.
    #[arg(long)]
    workspace: Option<String>,
    /// The log file to read (default: the one `switchboard run` writes by default).
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// Print the JSON lines as they are, for scripts.
    #[arg(long)]
    json: bool,
}

/// Where `run` writes the call log unless told otherwise.
pub(super) fn default_file(home: &crate::store::Home) -> PathBuf {
    home.path().join("logs").join("calls.jsonl")
}

pub(super) async fn run(args: LogsArgs, home: &crate::store::Home) -> anyhow::Result<()> {
    let path = args.file.clone().unwrap_or_else(|| default_file(home));
    let mut printer = Printer {
        args: &args,
        out: std::io::stdout(),
    };
    let old = crate::calllog::rotated(&path);
    if old.exists() {
        let mut tail = Tail::new(old);
        if !printer.print(&mut tail)? {
            return Ok(());
        }
    }
    let mut tail = Tail::new(path.clone());
    if !path.exists() && !args.follow {
        eprintln!(
            "switchboard: no call log at {} yet (`switchboard run` writes it as calls arrive)",
            path.display()
        );
        return Ok(());
    }
    if !printer.print(&mut tail)? {
        return Ok(());
    }
    if !args.follow {
        return Ok(());
    }
    loop {
        tokio::time::sleep(POLL).await;
        if !printer.print(&mut tail)? {
            return Ok(());
        }
    }
}

/// Writes the lines that pass the filter; stops quietly when stdout is closed (`| head`).
struct Printer<'a> {
    args: &'a LogsArgs,
    out: std::io::Stdout,
}

impl Printer<'_> {
    /// Prints what `tail` has new; false once stdout is gone.
    fn print(&mut self, tail: &mut Tail) -> anyhow::Result<bool> {
        let mut lines = Vec::new();
        tail.read_new(&mut lines)?;
        for (number, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let record: CallRecord = match serde_json::from_str(&line) {
                Ok(record) => record,
                Err(error) => {
                    eprintln!(
                        "switchboard: skipping line {number} of {}: not a call record ({error})",
                        tail.path.display()
                    );
                    continue;
                }
            };
            if self
                .args
                .workspace
                .as_ref()
                .is_some_and(|w| *w != record.workspace)
            {
                continue;
            }
            let text = if self.args.json {
                line
            } else {
                readable(&record)
            };
            if let Err(error) = writeln!(self.out, "{text}") {
                return gone(error);
            }
        }
        if let Err(error) = self.out.flush() {
            return gone(error);
        }
        Ok(true)
    }
}

/// A closed stdout ends the command; other write errors fail it.
fn gone(error: std::io::Error) -> anyhow::Result<bool> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(false)
    } else {
        Err(error.into())
    }
}

/// One call on one line: time, workspace, session, what was called, duration, outcome, sizes.
fn readable(record: &CallRecord) -> String {
    let server = record.server.as_deref().unwrap_or("?");
    let what = match record.kind {
        CallKind::Tool => format!("tool {server}/{}", record.tool.as_deref().unwrap_or("?")),
        CallKind::Prompt => format!(
            "prompt {server}/{}",
            record.prompt.as_deref().unwrap_or("?")
        ),
        CallKind::Resource => {
            format!("resource {server} {}", record.uri.as_deref().unwrap_or("?"))
        }
    };
    let outcome = match &record.error_kind {
        Some(kind) => format!("{} ({kind})", record.outcome.as_str()),
        None => record.outcome.as_str().to_string(),
    };
    let mut line = format!(
        "{}  {}  session {}  {what}  {:.1} ms  {outcome}  in {} B  out {} B",
        record.time,
        record.workspace,
        record.session,
        record.duration_ms,
        record.request_bytes,
        record.response_bytes,
    );
    if let Some(arguments) = &record.arguments {
        line.push_str(&format!("  arguments {arguments}"));
    }
    if let Some(result) = &record.result {
        line.push_str(&format!("  result {result}"));
    }
    line
}

/// Reads a growing file line by line, following it when it is rotated or replaced.
struct Tail {
    path: PathBuf,
    /// The file being read and its inode.
    open: Option<(File, u64)>,
    /// Bytes of a line not yet ended.
    partial: Vec<u8>,
    /// Lines read so far from the open file, for messages.
    line: usize,
}

impl Tail {
    fn new(path: PathBuf) -> Tail {
        Tail {
            path,
            open: None,
            partial: Vec::new(),
            line: 0,
        }
    }

    /// Appends every complete line added since the last call (with its line number).
    fn read_new(&mut self, lines: &mut Vec<(usize, String)>) -> std::io::Result<()> {
        loop {
            if self.open.is_none() {
                match File::open(&self.path) {
                    Ok(file) => {
                        let ino = file.metadata()?.ino();
                        self.open = Some((file, ino));
                        self.partial.clear();
                        self.line = 0;
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(error) => return Err(error),
                }
            }
            let Some((file, ino)) = self.open.as_mut() else {
                return Ok(());
            };
            let ino = *ino;
            // Truncated in place: start again from its beginning.
            if file.metadata()?.len() < file.stream_position()? {
                file.rewind()?;
                self.partial.clear();
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            self.take_lines(&bytes, lines);
            // Rotated away (or replaced): what the old file held is read; go on with the new.
            match std::fs::metadata(&self.path) {
                Ok(meta) if meta.ino() != ino => self.open = None,
                _ => return Ok(()),
            }
        }
    }

    fn take_lines(&mut self, bytes: &[u8], lines: &mut Vec<(usize, String)>) {
        self.partial.extend_from_slice(bytes);
        let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') else {
            return;
        };
        let rest = self.partial.split_off(end + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        for line in complete.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            self.line += 1;
            lines.push((self.line, String::from_utf8_lossy(line).into_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn read(tail: &mut Tail) -> Vec<String> {
        let mut lines = Vec::new();
        tail.read_new(&mut lines).unwrap();
        lines.into_iter().map(|(_, l)| l).collect()
    }

    fn append(path: &Path, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn a_tail_waits_for_whole_lines_and_follows_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let mut tail = Tail::new(path.clone());
        assert!(read(&mut tail).is_empty(), "no file yet");
        append(&path, "one\ntw");
        assert_eq!(read(&mut tail), ["one"]);
        append(&path, "o\n");
        assert_eq!(read(&mut tail), ["two"]);
        append(&path, "three\n");
        std::fs::rename(&path, crate::calllog::rotated(&path)).unwrap();
        append(&path, "four\n");
        assert_eq!(read(&mut tail), ["three", "four"]);
        // Truncated in place: read again from the start.
        std::fs::write(&path, "").unwrap();
        assert!(read(&mut tail).is_empty());
        append(&path, "five\n");
        assert_eq!(read(&mut tail), ["five"]);
    }

    #[test]
    fn readable_lines_say_what_was_called_and_how_it_went() {
        let record: CallRecord = serde_json::from_str(
            r#"{"time":"2026-12-01T15:10:24.123Z","workspace":"default","session":3,"kind":"tool","server":"echo","tool":"fail","duration_ms":1.25,"outcome":"error","error_kind":"tool_error","request_bytes":10,"response_bytes":20}"#,
        )
        .unwrap();
        assert_eq!(
            readable(&record),
            "2026-12-01T15:10:24.123Z  default  session 3  tool echo/fail  1.2 ms  error (tool_error)  in 10 B  out 20 B"
        );
    }

    #[test]
    fn the_default_file_is_in_the_state_directory() {
        let home = crate::store::Home::resolve(Some("/state".into()), None);
        assert_eq!(default_file(&home), Path::new("/state/logs/calls.jsonl"));
    }
}
