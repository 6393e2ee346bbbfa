//! Log lines of added servers, passed on to clients at the level each asked for
//! (`logging/setLevel`). SEP-2577 deprecates MCP logging, but 2025-era clients and servers
//! use it, so this module is where the deprecated types are allowed.
#![allow(
    deprecated,
    reason = "MCP logging is deprecated by SEP-2577 but in use"
)]

use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam};

/// A log level, as a client sets it.
pub(crate) type Level = LoggingLevel;

/// How severe a level is: debug is 0, emergency 7.
fn severity(level: Level) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

/// Whether a line goes to a client that asked for `threshold` (everything, if it asked for
/// nothing: the spec leaves that choice to the server, and the server already chose).
pub(crate) fn passes(message: &LoggingMessageNotificationParam, threshold: Option<Level>) -> bool {
    threshold.is_none_or(|threshold| severity(message.level) >= severity(threshold))
}

/// The most verbose of the levels clients asked for: what servers are asked to send.
pub(crate) fn most_verbose(levels: impl IntoIterator<Item = Level>) -> Option<Level> {
    levels.into_iter().min_by_key(|level| severity(*level))
}

/// The line with its logger named after `server` (`server` or `server/logger`).
pub(crate) fn from_server(
    server: &str,
    mut message: LoggingMessageNotificationParam,
) -> LoggingMessageNotificationParam {
    message.logger = Some(match message.logger.take() {
        Some(logger) if !logger.is_empty() => format!("{server}/{logger}"),
        _ => server.to_string(),
    });
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: Level) -> LoggingMessageNotificationParam {
        LoggingMessageNotificationParam::new(level, serde_json::json!("x"))
    }

    #[test]
    fn levels_filter_and_loggers_name_their_server() {
        assert!(passes(
            &line(LoggingLevel::Warning),
            Some(LoggingLevel::Info)
        ));
        assert!(!passes(
            &line(LoggingLevel::Debug),
            Some(LoggingLevel::Info)
        ));
        assert!(passes(&line(LoggingLevel::Debug), None));
        assert_eq!(
            most_verbose([LoggingLevel::Error, LoggingLevel::Debug, LoggingLevel::Info]),
            Some(LoggingLevel::Debug)
        );
        assert_eq!(most_verbose([]), None);
        let mut named = line(LoggingLevel::Info);
        named.logger = Some("db".into());
        assert_eq!(from_server("fs", named).logger.as_deref(), Some("fs/db"));
        assert_eq!(
            from_server("fs", line(LoggingLevel::Info))
                .logger
                .as_deref(),
            Some("fs")
        );
    }
}
