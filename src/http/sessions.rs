//! The open MCP sessions of the HTTP transport, each with the identity that opened it.
//!
//! [`TrackedSessions`] is rmcp's in-memory session manager with every session's start and end
//! reported to a [`SessionRegistry`]: the auth layer refuses a session id the registry does not
//! know (fail-closed), the session cap counts what it holds, a revoked token's sessions are
//! closed through it, and it remembers which request streams already delivered their response,
//! so that a client reconnecting to one of those gets a clean "nothing more" instead of an
//! error.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::session::ServerSseMessage;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::{RestoreOutcome, SessionId, SessionManager};

/// How many finished request streams each session remembers; clients reconnect within
/// seconds of a stream ending, so the last few dozen are plenty.
const REMEMBERED_STREAMS: usize = 64;

/// Who opened a session: the identity and the hash of the token it presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) identity: String,
    pub(crate) token: Option<[u8; 32]>,
}

/// The token a request presented (its hash), set by the auth layer beside the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Credential(pub(crate) Option<[u8; 32]>);

/// Session id -> owner, and per identity the sessions it holds (open or initializing).
#[derive(Debug, Default)]
pub(crate) struct SessionRegistry {
    state: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    sessions: HashMap<SessionId, Entry>,
    /// Open sessions plus `initialize`s in progress, per identity.
    held: HashMap<String, usize>,
}

#[derive(Debug)]
struct Entry {
    owner: Owner,
    /// When `initialize` opened it, for the web view.
    opened: std::time::SystemTime,
    /// Request streams (rmcp's HTTP request ids) whose response went out, newest last.
    finished: VecDeque<u64>,
}

/// Room for one new session of an identity, taken before its `initialize` is served and
/// travelling with that request; if no session comes of it, dropping it frees the room.
#[derive(Debug, Clone)]
pub(crate) struct Slot(Arc<SlotInner>);

#[derive(Debug)]
struct SlotInner {
    registry: Arc<SessionRegistry>,
    owner: Owner,
    used: AtomicBool,
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        if !self.used.load(Ordering::Acquire) {
            self.registry.lock().release(&self.owner.identity);
        }
    }
}

impl Registry {
    fn release(&mut self, identity: &str) {
        if let Some(held) = self.held.get_mut(identity) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                self.held.remove(identity);
            }
        }
    }
}

impl SessionRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // Every change is a single insert or removal; a panic cannot leave it torn.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Room for a new session of `owner`, unless it already holds `cap`.
    pub(crate) fn reserve(self: &Arc<Self>, owner: Owner, cap: usize) -> Option<Slot> {
        let mut state = self.lock();
        let held = state.held.entry(owner.identity.clone()).or_default();
        if *held >= cap {
            return None;
        }
        *held += 1;
        Some(Slot(Arc::new(SlotInner {
            registry: self.clone(),
            owner,
            used: AtomicBool::new(false),
        })))
    }

    /// Records session `id`, opened in `slot` (whose room it now holds).
    fn open(&self, id: SessionId, slot: &Slot) {
        if slot.0.used.swap(true, Ordering::AcqRel) {
            return;
        }
        self.lock().sessions.insert(
            id,
            Entry {
                owner: slot.0.owner.clone(),
                opened: std::time::SystemTime::now(),
                finished: VecDeque::new(),
            },
        );
    }

    /// Forgets session `id` (once; rmcp may report a session's end twice).
    fn closed(&self, id: &SessionId) {
        let mut state = self.lock();
        if let Some(entry) = state.sessions.remove(id) {
            state.release(&entry.owner.identity);
        }
    }

    /// Who opened session `id`, if it is open.
    pub(crate) fn owner(&self, id: &str) -> Option<Owner> {
        self.lock().sessions.get(id).map(|e| e.owner.clone())
    }

    /// The open sessions of `identity` that were not opened with `keep` (all of them when
    /// `keep` is `None`).
    pub(crate) fn of(&self, identity: &str, keep: Option<[u8; 32]>) -> Vec<SessionId> {
        self.lock()
            .sessions
            .iter()
            .filter(|(_, e)| e.owner.identity == identity)
            .filter(|(_, e)| keep.is_none() || e.owner.token != keep)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The open sessions of `identity` with when each opened, oldest first (for the web view).
    pub(crate) fn opened_of(&self, identity: &str) -> Vec<(SessionId, std::time::SystemTime)> {
        let mut sessions: Vec<(SessionId, std::time::SystemTime)> = self
            .lock()
            .sessions
            .iter()
            .filter(|(_, e)| e.owner.identity == identity)
            .map(|(id, e)| (id.clone(), e.opened))
            .collect();
        sessions.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        sessions
    }

    /// Open sessions of `identity`.
    pub(crate) fn count(&self, identity: &str) -> usize {
        self.lock()
            .sessions
            .values()
            .filter(|e| e.owner.identity == identity)
            .count()
    }

    fn finished(&self, id: &SessionId, request: u64) {
        let mut state = self.lock();
        if let Some(entry) = state.sessions.get_mut(id) {
            if entry.finished.len() == REMEMBERED_STREAMS {
                entry.finished.pop_front();
            }
            entry.finished.push_back(request);
        }
    }

    /// Whether session `id`'s stream named by the SSE event id `last_event_id` (rmcp writes
    /// `<index>/<request>`) already delivered its response.
    pub(crate) fn stream_finished(&self, id: &str, last_event_id: &str) -> bool {
        let Some(request) = request_of(last_event_id) else {
            return false;
        };
        self.lock()
            .sessions
            .get(id)
            .is_some_and(|e| e.finished.contains(&request))
    }
}

/// The HTTP request id in one of rmcp's event ids (`<index>/<request>`).
fn request_of(event_id: &str) -> Option<u64> {
    event_id.split_once('/')?.1.parse().ok()
}

/// rmcp's [`LocalSessionManager`], reporting to a [`SessionRegistry`].
#[derive(Debug)]
pub(crate) struct TrackedSessions {
    inner: LocalSessionManager,
    registry: Arc<SessionRegistry>,
}

impl TrackedSessions {
    pub(crate) fn new(inner: LocalSessionManager) -> TrackedSessions {
        TrackedSessions {
            inner,
            registry: Arc::default(),
        }
    }

    pub(crate) fn registry(&self) -> &Arc<SessionRegistry> {
        &self.registry
    }

    /// Closes `identity`'s sessions except those opened with the token `keep`; returns how
    /// many were closed. Their streams end, and rmcp drops their handlers (which closes any
    /// workspace of their own).
    pub(crate) async fn close_of(&self, identity: &str, keep: Option<[u8; 32]>) -> usize {
        let ids = self.registry.of(identity, keep);
        for id in &ids {
            if let Err(error) = self.close_session(id).await {
                tracing::warn!(identity, error = %error, "closing a session failed");
            }
        }
        ids.len()
    }
}

/// The slot an `initialize` request carries (the auth layer put it in the HTTP request's
/// extensions, which rmcp passes on with the message). Without one the session stays out of
/// the registry, so its later requests are refused: a missed `initialize` fails closed.
fn slot_of(message: &ClientJsonRpcMessage) -> Option<Slot> {
    let ClientJsonRpcMessage::Request(request) = message else {
        return None;
    };
    let parts = request.request.extensions().get::<http::request::Parts>()?;
    parts.extensions.get::<Slot>().cloned()
}

/// Whether a message ends its request's stream.
fn is_final(message: &ServerJsonRpcMessage) -> bool {
    matches!(
        message,
        ServerJsonRpcMessage::Response(_) | ServerJsonRpcMessage::Error(_)
    )
}

impl SessionManager for TrackedSessions {
    type Error = LocalSessionManagerError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.inner.create_session().await
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        if let Some(slot) = slot_of(&message) {
            self.registry.open(id.clone(), &slot);
        }
        self.inner.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.inner.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let closed = self.inner.close_session(id).await;
        self.registry.closed(id);
        closed
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let stream = self.inner.create_stream(id, message).await?;
        let (registry, id) = (self.registry.clone(), id.clone());
        Ok(stream.inspect(move |event| {
            let finished = event.message.as_deref().is_some_and(is_final);
            if let (true, Some(request)) =
                (finished, event.event_id.as_deref().and_then(request_of))
            {
                registry.finished(&id, request);
            }
        }))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.inner.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.resume(id, last_event_id).await
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        self.inner.restore_session(id).await
    }

    fn event_store(
        &self,
    ) -> Option<Arc<dyn rmcp::transport::streamable_http_server::session::EventStore>> {
        self.inner.event_store()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(identity: &str) -> Owner {
        Owner {
            identity: identity.to_string(),
            token: Some([1; 32]),
        }
    }

    #[test]
    fn slots_count_until_dropped_unless_a_session_opened_in_them() {
        let registry = Arc::new(SessionRegistry::default());
        let first = registry.reserve(owner("alice"), 2).unwrap();
        let second = registry.reserve(owner("alice"), 2).unwrap();
        assert!(registry.reserve(owner("alice"), 2).is_none());
        assert!(registry.reserve(owner("bob"), 2).is_some());
        // An initialize that failed: its room comes back.
        drop(second);
        let third = registry.reserve(owner("alice"), 2).unwrap();
        let id: SessionId = "s-1".into();
        registry.open(id.clone(), &first);
        drop(first);
        assert_eq!(registry.owner("s-1"), Some(owner("alice")));
        assert_eq!(registry.count("alice"), 1);
        assert!(
            registry.reserve(owner("alice"), 2).is_none(),
            "one open, one pending"
        );
        drop(third);
        assert!(registry.reserve(owner("alice"), 2).is_some());
        registry.closed(&id);
        registry.closed(&id);
        assert_eq!(registry.owner("s-1"), None);
        assert_eq!(registry.lock().held.get("alice"), None);
    }

    #[test]
    fn finished_streams_are_remembered_per_session() {
        let registry = Arc::new(SessionRegistry::default());
        let slot = registry.reserve(owner("alice"), 8).unwrap();
        let id: SessionId = "s-1".into();
        registry.open(id.clone(), &slot);
        registry.finished(&id, 7);
        assert!(registry.stream_finished("s-1", "1/7"));
        assert!(!registry.stream_finished("s-1", "0/8"));
        assert!(!registry.stream_finished("s-2", "1/7"));
        assert!(!registry.stream_finished("s-1", "garbage"));
        for request in 100..100 + REMEMBERED_STREAMS as u64 {
            registry.finished(&id, request);
        }
        assert!(
            !registry.stream_finished("s-1", "1/7"),
            "the oldest is forgotten"
        );
        assert_eq!(registry.of("alice", None), vec![id.clone()]);
        assert!(registry.of("alice", Some([1; 32])).is_empty());
        assert_eq!(registry.of("alice", Some([2; 32])), vec![id]);
    }
}
