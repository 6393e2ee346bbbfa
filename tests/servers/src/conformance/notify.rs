//! What the server pushes to clients without being asked: log messages at the level the client
//! chose, progress, and changes (list changes, resource updates) fanned out to 2025-11-25
//! sessions and to 2026-07-28 `subscriptions/listen` streams.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rmcp::RoleServer;
use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam,
    ResourceUpdatedNotificationParam,
};
use rmcp::service::{Peer, RequestContext, SubscriptionContext, SubscriptionSendError};
use tokio::sync::broadcast::error::RecvError;

use super::lifecycle::Lifecycle;
use super::state::{Change, Session, Shared};

/// The `logger` name on every message this server sends.
const LOGGER: &str = "conformance-fixture";

/// Sends a log message if the client asked for this level or a lower one: per request through
/// `_meta` (2026-07-28, where no level means no messages), else the session's
/// `logging/setLevel` level.
pub(crate) async fn log(
    context: &RequestContext<RoleServer>,
    session: &Session,
    level: LoggingLevel,
    message: &str,
) {
    let threshold = match context.meta.log_level() {
        Some(level) => level,
        None if Lifecycle::of(context) == Lifecycle::Stateless => return,
        None => session.log_level(),
    };
    if severity(level) < severity(threshold) {
        return;
    }
    let mut param = LoggingMessageNotificationParam::new(level, message.into());
    param.logger = Some(LOGGER.to_string());
    if let Err(error) = context.peer.notify_logging_message(param).await {
        eprintln!("fixture: sending a log message failed: {error}");
    }
}

/// RFC 5424 order, lowest first.
fn severity(level: LoggingLevel) -> u8 {
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

/// Reports `progress` out of `total` against the request's progress token, if it sent one.
pub(crate) async fn progress(
    context: &RequestContext<RoleServer>,
    progress: u32,
    total: u32,
    message: String,
) {
    let Some(token) = context.meta.get_progress_token() else {
        return;
    };
    let mut param = ProgressNotificationParam::new(token, f64::from(progress));
    param.total = Some(f64::from(total));
    param.message = Some(message);
    if let Err(error) = context.peer.notify_progress(param).await {
        eprintln!("fixture: sending progress failed: {error}");
    }
}

/// Starts (once per session) forwarding changes to a 2025-11-25 session's client: list changes
/// always, resource updates for the URIs it subscribed to. Ends when the client is gone.
pub(crate) fn forward_to_session(shared: &Shared, session: &Arc<Session>, peer: Peer<RoleServer>) {
    if session.forwarding.swap(true, Ordering::AcqRel) {
        return;
    }
    let mut changes = shared.changes();
    let session = Arc::clone(session);
    tokio::spawn(async move {
        loop {
            let change = match changes.recv().await {
                Ok(change) => change,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            };
            if peer.is_transport_closed() {
                break;
            }
            let sent = match change {
                Change::ToolsListChanged => peer.notify_tool_list_changed().await,
                Change::PromptsListChanged => peer.notify_prompt_list_changed().await,
                Change::ResourceUpdated(uri) if session.is_subscribed(&uri) => {
                    peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                        .await
                }
                Change::ResourceUpdated(_) => Ok(()),
            };
            if sent.is_err() {
                break;
            }
        }
    });
}

/// Serves one 2026-07-28 `subscriptions/listen` stream until the client cancels it: every
/// change its accepted filter covers (the sink drops the others).
pub(crate) async fn listen(shared: &Arc<Shared>, subscription: SubscriptionContext) {
    let watches = subscription
        .accepted()
        .resource_subscriptions
        .as_ref()
        .is_some_and(|uris| !uris.is_empty());
    if watches {
        shared.start_watch_timer();
    }
    let mut changes = shared.changes();
    loop {
        let change = tokio::select! {
            () = subscription.cancelled() => break,
            change = changes.recv() => change,
        };
        let change = match change {
            Ok(change) => change,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => break,
        };
        let sink = subscription.sink();
        let sent = match change {
            Change::ToolsListChanged => sink.notify_tool_list_changed().await,
            Change::PromptsListChanged => sink.notify_prompt_list_changed().await,
            Change::ResourceUpdated(uri) => sink.notify_resource_updated(uri).await,
        };
        match sent {
            Ok(()) | Err(SubscriptionSendError::NotificationNotAccepted(_)) => {}
            Err(_) => break,
        }
    }
}
