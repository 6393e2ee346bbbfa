//! The call log: one [`CallRecord`] per tool call, prompt get and resource read, written as a
//! JSON line to a file or stderr (`run --call-log`) and broadcast live (the web view).
//!
//! `record.rs` holds the record and its timestamp, `sink.rs` the writer thread (append, rotate,
//! reopen), `redact.rs` the removal of secret values, `log.rs` the [`CallLog`] the handler
//! records through. What a call is and how it ended is decided in `src/gateway/handler.rs`.

mod log;
mod record;
mod redact;
mod sink;

pub use log::{Call, CallLog, InFlight, Target};
pub use record::{CallKind, CallRecord, Outcome, rfc3339_millis};
pub use redact::{REDACTED, Redactor};
pub use sink::{ROTATE_BYTES, rotated};
