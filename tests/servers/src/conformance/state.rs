//! The conformance server's state: what every session shares (the request-state seal, the
//! change feed, the watched resource's revision) and what one 2025-11-25 session keeps (its
//! log level and resource subscriptions). A 2026-07-28 request is its own session and keeps
//! nothing between requests.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rmcp::model::LoggingLevel;

use super::seal::Seal;

/// How often the watched resource changes once someone watches it (the interval the
/// suite's reference server describes for its `test://watched-resource`).
const WATCH_INTERVAL: Duration = Duration::from_secs(3);

/// Changes buffered per listener before a slow one starts losing the oldest.
const CHANGE_BUFFER: usize = 64;

/// Something sessions and `subscriptions/listen` streams are told about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    ToolsListChanged,
    PromptsListChanged,
    ResourceUpdated(String),
}

/// State shared by every session of one server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) seal: Seal,
    changes: tokio::sync::broadcast::Sender<Change>,
    watched_revision: AtomicU64,
    watch_started: AtomicBool,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        Shared {
            seal: Seal::random(),
            changes: tokio::sync::broadcast::channel(CHANGE_BUFFER).0,
            watched_revision: AtomicU64::new(0),
            watch_started: AtomicBool::new(false),
        }
    }

    /// Tells every current listener; nobody listening is not an error.
    pub(crate) fn announce(&self, change: Change) {
        let _ = self.changes.send(change);
    }

    /// A feed of the changes announced from now on.
    pub(crate) fn changes(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// How many times the watched resource has changed.
    pub(crate) fn watched_revision(&self) -> u64 {
        self.watched_revision.load(Ordering::Relaxed)
    }

    /// Changes the watched resource now and announces it.
    pub(crate) fn touch_watched(&self) {
        self.watched_revision.fetch_add(1, Ordering::Relaxed);
        self.announce(Change::ResourceUpdated(
            super::resources::WATCHED_URI.to_string(),
        ));
    }

    /// Starts, once, the timer that changes the watched resource every few seconds; it holds
    /// only a weak reference, so it ends with the server.
    pub(crate) fn start_watch_timer(self: &Arc<Self>) {
        if self.watch_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared: Weak<Shared> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(WATCH_INTERVAL).await;
                match shared.upgrade() {
                    Some(shared) => shared.touch_watched(),
                    None => break,
                }
            }
        });
    }
}

/// State of one session (a 2025-11-25 `initialize` session, or one 2026-07-28 request).
#[derive(Debug)]
pub(crate) struct Session {
    /// The level set by `logging/setLevel`; messages below it are not sent.
    log_level: Mutex<LoggingLevel>,
    /// URIs this session subscribed to with `resources/subscribe`.
    subscriptions: Mutex<BTreeSet<String>>,
    /// Whether the task forwarding changes to this session's client is running.
    pub(crate) forwarding: AtomicBool,
}

impl Session {
    pub(crate) fn new() -> Session {
        Session {
            // The spec leaves the level before any setLevel to the server; info keeps the
            // tools' progress messages and drops debug chatter.
            log_level: Mutex::new(LoggingLevel::Info),
            subscriptions: Mutex::new(BTreeSet::new()),
            forwarding: AtomicBool::new(false),
        }
    }

    pub(crate) fn log_level(&self) -> LoggingLevel {
        *lock(&self.log_level)
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        *lock(&self.log_level) = level;
    }

    pub(crate) fn subscribe(&self, uri: &str) {
        lock(&self.subscriptions).insert(uri.to_string());
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        lock(&self.subscriptions).remove(uri);
    }

    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        lock(&self.subscriptions).contains(uri)
    }
}

/// Locks `mutex`, recovering from poisoning: every critical section here is a single
/// assignment or set operation, so a panic elsewhere cannot leave the value half-written.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
