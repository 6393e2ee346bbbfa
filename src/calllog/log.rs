//! [`CallLog`]: what the handler records calls through. A call is begun ([`CallLog::begin`])
//! and finished ([`InFlight::finish`]); one dropped unfinished (the client cancelled or went
//! away) is recorded as cancelled. Records go to the live broadcast at once and to the sink
//! through a bounded queue: when the writer falls behind, records are dropped and counted,
//! and the call never waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::calllog::record::{CallKind, CallRecord, Outcome, rfc3339_millis};
use crate::calllog::redact::Redactor;
use crate::calllog::sink::{FileSink, ROTATE_BYTES, to_stderr};

/// Records queued for the writer before new ones are dropped.
const QUEUE: usize = 4096;
/// Records kept for a live subscriber that reads slower than calls arrive.
const LIVE: usize = 256;

/// Where the call log's lines are written (`run --call-log`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Target {
    /// Nowhere (`--call-log none`); the live broadcast still works.
    #[default]
    Off,
    /// Standard error (`--call-log -`).
    Stderr,
    /// Appended to this file, rotated at [`ROTATE_BYTES`].
    File(PathBuf),
}

/// Where the gateway records calls: a JSON-lines sink (optional) and a live broadcast.
#[derive(Debug)]
pub struct CallLog {
    live: broadcast::Sender<Arc<CallRecord>>,
    /// The writer thread's queue; `None` when no line is written.
    sink: Option<SyncSender<Message>>,
    /// `run --log-arguments`: records carry arguments and results (redacted).
    log_arguments: bool,
    dropped: AtomicU64,
}

enum Message {
    Record(Arc<CallRecord>),
    /// Answered once every record queued before it is written.
    Flush(std::sync::mpsc::Sender<()>),
}

impl CallLog {
    /// A call log writing to `target` (a file is opened at once, by a writer thread of its own).
    pub fn new(target: &Target, log_arguments: bool) -> CallLog {
        let sink = match target {
            Target::Off => None,
            Target::Stderr => Some(writer(None)),
            Target::File(path) => Some(writer(Some(path.clone()))),
        };
        CallLog {
            live: broadcast::channel(LIVE).0,
            sink,
            log_arguments,
            dropped: AtomicU64::new(0),
        }
    }

    /// Live records for the web view (every record, all workspaces; the subscriber filters).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CallRecord>> {
        self.live.subscribe()
    }

    /// Whether records carry arguments and results.
    pub fn logs_arguments(&self) -> bool {
        self.log_arguments
    }

    /// Whether anyone takes records: a sink, or a live subscriber. When not, calls skip the
    /// work of recording.
    pub fn is_recording(&self) -> bool {
        self.sink.is_some() || self.live.receiver_count() > 0
    }

    /// Records the writer had no room for.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Starts timing a call. `request` is the request's params (measured, and with
    /// `--log-arguments` its `arguments` kept), `redactor` gives the workspace's secrets; both
    /// are only used when someone takes records.
    pub fn begin<R: Serialize>(
        &self,
        call: Call<'_>,
        request: &R,
        arguments: impl FnOnce(&R) -> Option<serde_json::Value>,
        redactor: impl FnOnce() -> Redactor,
    ) -> InFlight<'_> {
        if !self.is_recording() {
            return InFlight {
                log: self,
                pending: None,
            };
        }
        let needs_redaction = self.log_arguments || call.kind == CallKind::Resource;
        let redactor = if needs_redaction {
            redactor()
        } else {
            Redactor::default()
        };
        let name = |kind| (call.kind == kind).then(|| redactor.text(call.name));
        let record = CallRecord {
            time: rfc3339_millis(SystemTime::now()),
            workspace: call.workspace.to_string(),
            session: call.session,
            kind: call.kind,
            server: call.server.map(str::to_string),
            tool: name(CallKind::Tool),
            prompt: name(CallKind::Prompt),
            uri: name(CallKind::Resource),
            duration_ms: 0.0,
            outcome: Outcome::Cancelled,
            error_kind: None,
            request_bytes: json_len(request),
            response_bytes: 0,
            arguments: if self.log_arguments {
                arguments(request).map(|a| redactor.apply(a))
            } else {
                None
            },
            result: None,
        };
        InFlight {
            log: self,
            pending: Some(Box::new(Pending {
                started: Instant::now(),
                record,
                redactor,
            })),
        }
    }

    /// Waits (at most `timeout`) until every record so far is written: for shutdown.
    pub fn flush(&self, timeout: Duration) {
        let Some(sink) = &self.sink else { return };
        let (done, wait) = std::sync::mpsc::channel();
        if sink.try_send(Message::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(timeout);
        }
    }

    fn publish(&self, record: CallRecord) {
        let record = Arc::new(record);
        if let Some(sink) = &self.sink {
            match sink.try_send(Message::Record(record.clone())) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    let before = self.dropped.fetch_add(1, Ordering::Relaxed);
                    if before.is_power_of_two() || before == 0 {
                        tracing::warn!(
                            dropped = before + 1,
                            "the call log writer is behind; records dropped"
                        );
                    }
                }
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
        // No receiver just means no web view is watching.
        let _ = self.live.send(record);
    }
}

/// What a call is, as the handler knows it when it arrives.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub kind: CallKind,
    pub workspace: &'a str,
    pub session: u64,
    /// The tool or prompt name, or the resource URI, as asked.
    pub name: &'a str,
    /// The owning server, when known before the call.
    pub server: Option<&'a str>,
}

/// A call being timed; recorded when finished, or as cancelled when dropped unfinished.
#[derive(Debug)]
pub struct InFlight<'a> {
    log: &'a CallLog,
    /// `None` when nobody takes records.
    pending: Option<Box<Pending>>,
}

#[derive(Debug)]
struct Pending {
    started: Instant,
    record: CallRecord,
    redactor: Redactor,
}

impl InFlight<'_> {
    /// Whether this call will be recorded.
    pub fn is_recording(&self) -> bool {
        self.pending.is_some()
    }

    /// Names the owning server, once known.
    pub fn set_server(&mut self, server: &str) {
        if let Some(pending) = &mut self.pending {
            pending.record.server = Some(server.to_string());
        }
    }

    /// Records the call's end: `response` is the result or the error sent back.
    pub fn finish<T: Serialize>(
        mut self,
        outcome: Outcome,
        error_kind: Option<&str>,
        response: &T,
    ) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let Pending {
            started,
            mut record,
            redactor,
        } = *pending;
        record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        record.outcome = outcome;
        record.error_kind = error_kind.map(str::to_string);
        record.response_bytes = json_len(response);
        if self.log.log_arguments {
            record.result = serde_json::to_value(response)
                .ok()
                .map(|r| redactor.apply(r));
        }
        self.log.publish(record);
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(pending) = self.pending.take() {
            let Pending {
                started,
                mut record,
                ..
            } = *pending;
            record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            record.outcome = Outcome::Cancelled;
            self.log.publish(record);
        }
    }
}

/// The serialized JSON size of `value`, counted without building the text.
fn json_len<T: Serialize>(value: &T) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

/// Starts the writer thread: to `path`, or to stderr when `None`.
fn writer(path: Option<PathBuf>) -> SyncSender<Message> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(QUEUE);
    let mut file = path.map(|path| FileSink::new(path, ROTATE_BYTES));
    let spawned = std::thread::Builder::new()
        .name("call-log".into())
        .spawn(move || write_all(&receiver, file.as_mut()));
    if let Err(error) = spawned {
        tracing::warn!(error = %error, "cannot start the call log writer; calls go unlogged");
    }
    sender
}

/// How long the writer rests after writing: records arriving meanwhile are queued without
/// waking it (a wake-up per call cost the proxied call about 60 µs of its 2 cores), and written
/// together, in one write, when it comes back.
const GROUP: Duration = Duration::from_millis(50);

/// The writer thread: the records queued so far as one write, then a rest of [`GROUP`], until
/// every sender is gone.
fn write_all(receiver: &Receiver<Message>, mut file: Option<&mut FileSink>) {
    let mut batch = Vec::new();
    let mut flushed = Vec::new();
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Record(record) => {
                    if serde_json::to_writer(&mut batch, &*record).is_ok() {
                        batch.push(b'\n');
                    }
                }
                Message::Flush(done) => flushed.push(done),
            }
            next = receiver.try_recv().ok();
        }
        if !batch.is_empty() {
            match file.as_deref_mut() {
                Some(file) => file.append(&batch),
                None => to_stderr(&batch),
            }
            batch.clear();
        }
        let resting = flushed.is_empty();
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
        if resting {
            std::thread::sleep(GROUP);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(kind: CallKind, name: &str) -> Call<'_> {
        Call {
            kind,
            workspace: "default",
            session: 7,
            name,
            server: Some("echo"),
        }
    }

    fn secrets() -> Redactor {
        Redactor::new(["hunter2".to_string()], ["password".to_string()])
    }

    #[test]
    fn a_finished_call_is_broadcast_with_its_sizes_and_no_arguments_by_default() {
        let log = CallLog::new(&Target::Off, false);
        let mut live = log.subscribe();
        let request = json!({"name": "echo", "arguments": {"text": "hunter2"}});
        let call = log.begin(
            call(CallKind::Tool, "echo"),
            &request,
            |r| r.get("arguments").cloned(),
            secrets,
        );
        call.finish(
            Outcome::Error,
            Some("tool_error"),
            &json!({"isError": true}),
        );
        let record = live.try_recv().unwrap();
        assert_eq!(record.tool.as_deref(), Some("echo"));
        assert_eq!(record.server.as_deref(), Some("echo"));
        assert_eq!(record.outcome, Outcome::Error);
        assert_eq!(record.error_kind.as_deref(), Some("tool_error"));
        assert_eq!(record.request_bytes, request.to_string().len() as u64);
        assert_eq!(record.response_bytes, r#"{"isError":true}"#.len() as u64);
        assert_eq!(record.arguments, None);
        assert_eq!(record.result, None);
    }

    #[test]
    fn with_log_arguments_secrets_are_redacted_from_arguments_results_and_uris() {
        let log = CallLog::new(&Target::Off, true);
        let mut live = log.subscribe();
        let request = json!({"uri": "test://x?key=hunter2"});
        let call = log.begin(
            call(CallKind::Resource, "test://x?key=hunter2"),
            &request,
            |r| Some(r.clone()),
            secrets,
        );
        call.finish(
            Outcome::Ok,
            None,
            &json!({"text": "the hunter2", "password": "p"}),
        );
        let record = live.try_recv().unwrap();
        let line = serde_json::to_string(&*record).unwrap();
        assert!(!line.contains("hunter2"), "{line}");
        assert_eq!(record.uri.as_deref(), Some("test://x?key=[redacted]"));
        assert_eq!(
            record.result,
            Some(json!({"text": "the [redacted]", "password": "[redacted]"}))
        );
    }

    #[test]
    fn a_call_dropped_unfinished_is_recorded_as_cancelled() {
        let log = CallLog::new(&Target::Off, false);
        let mut live = log.subscribe();
        drop(log.begin(
            call(CallKind::Prompt, "greet"),
            &json!({}),
            |_| None,
            secrets,
        ));
        let record = live.try_recv().unwrap();
        assert_eq!(record.outcome, Outcome::Cancelled);
        assert_eq!(record.prompt.as_deref(), Some("greet"));
    }

    #[test]
    fn nobody_listening_and_no_sink_records_nothing() {
        let log = CallLog::new(&Target::Off, false);
        let call = log.begin(
            call(CallKind::Tool, "echo"),
            &json!({}),
            |_| None,
            || panic!("no redactor is needed when nothing is recorded"),
        );
        assert!(!call.is_recording());
    }

    #[test]
    fn records_reach_the_file_once_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let log = CallLog::new(&Target::File(path.clone()), false);
        for _ in 0..3 {
            log.begin(call(CallKind::Tool, "echo"), &json!({}), |_| None, secrets)
                .finish(Outcome::Ok, None, &json!({}));
        }
        log.flush(Duration::from_secs(5));
        let text = std::fs::read_to_string(&path).unwrap();
        let records: Vec<CallRecord> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), 3);
        assert!(
            records
                .iter()
                .all(|r| r.outcome == Outcome::Ok && r.workspace == "default")
        );
    }
}
