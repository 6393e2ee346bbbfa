//! One line of the call log, and the RFC 3339 timestamp it carries.

use std::time::{SystemTime, UNIX_EPOCH};

/// One line of the call log; also what the web view streams live.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallRecord {
    /// RFC 3339 UTC with milliseconds, e.g. "2026-12-01T15:10:24.123Z": when the call arrived.
    pub time: String,
    /// The workspace's id.
    pub workspace: String,
    /// The session's id.
    pub session: u64,
    pub kind: CallKind,
    /// The owning catalog server; "switchboard" for meta-tools; `None` if unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The exposed tool name (kind `tool`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The exposed prompt name (kind `prompt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The resource URI as asked (kind `resource`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub duration_ms: f64,
    pub outcome: Outcome,
    /// Why it failed: "tool_error" (an `isError` result), "unknown_tool", "upstream", ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    /// Serialized JSON size of the request params.
    pub request_bytes: u64,
    /// Serialized JSON size of the result (or error).
    pub response_bytes: u64,
    /// Only with `--log-arguments`, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<serde_json::Value>,
    /// Only with `--log-arguments`, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    Tool,
    Prompt,
    Resource,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Error,
    /// The client cancelled the request or went away before the answer.
    Cancelled,
}

impl CallKind {
    /// The word the log uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Tool => "tool",
            CallKind::Prompt => "prompt",
            CallKind::Resource => "resource",
        }
    }
}

impl Outcome {
    /// The word the log uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// `time` as RFC 3339 in UTC with milliseconds; a time before 1970 reads as the epoch.
pub fn rfc3339_millis(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// Year, month and day of the `days`-th day after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let at = |secs: u64, millis: u64| {
            rfc3339_millis(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_796_137_824, 123), "2026-12-01T15:10:24.123Z");
        assert_eq!(at(4_107_542_399, 999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn absent_fields_are_left_out_and_kinds_are_lowercase() {
        let record = CallRecord {
            time: "2026-12-01T15:10:24.123Z".into(),
            workspace: "default".into(),
            session: 1,
            kind: CallKind::Tool,
            server: Some("switchboard".into()),
            tool: Some("mcp-find".into()),
            prompt: None,
            uri: None,
            duration_ms: 1.5,
            outcome: Outcome::Ok,
            error_kind: None,
            request_bytes: 10,
            response_bytes: 20,
            arguments: None,
            result: None,
        };
        let line = serde_json::to_string(&record).unwrap();
        assert_eq!(
            line,
            r#"{"time":"2026-12-01T15:10:24.123Z","workspace":"default","session":1,"kind":"tool","server":"switchboard","tool":"mcp-find","duration_ms":1.5,"outcome":"ok","request_bytes":10,"response_bytes":20}"#
        );
        assert_eq!(serde_json::from_str::<CallRecord>(&line).unwrap(), record);
    }
}
