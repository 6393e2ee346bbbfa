//! The requests a connection has in flight and the clients they came from, so that what the
//! server sends back during a request reaches that request's client.
//!
//! Progress is exact: rmcp gives every outgoing request its own progress token, which is
//! mapped back to the client's. A server's question (`sampling/createMessage`,
//! `elicitation/create`, `roots/list`) carries no link to the request it serves (none exists
//! on the wire before 2026-07-28), so it goes to the client of the oldest request in flight:
//! the one that has waited longest, which is the one a server blocked on a question holds.
//! A workspace's requests all come from one identity, so a wrong pick never crosses tenants.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use rmcp::model::{ProgressNotificationParam, ProgressToken};

use crate::upstream::relay::Caller;

/// rmcp's progress token of a request -> its caller and the client's own token.
pub(crate) type ProgressRoutes = HashMap<ProgressToken, (Arc<dyn Caller>, ProgressToken)>;

/// The callers of one connection.
#[derive(Default)]
pub(crate) struct Calls {
    /// Progress read off the wire and passed on, so a response can wait for its progress.
    pub(crate) tally: Arc<crate::upstream::sniff::Tally>,
    /// By start order: the first entry is the oldest request.
    callers: Mutex<BTreeMap<u64, Arc<dyn Caller>>>,
    next: std::sync::atomic::AtomicU64,
    /// An async lock: a request is sent and its token recorded under it, so a progress
    /// notification that arrives first (rmcp handles notifications in tasks of their own)
    /// waits for it.
    progress: tokio::sync::Mutex<ProgressRoutes>,
}

impl std::fmt::Debug for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calls").finish_non_exhaustive()
    }
}

/// One request in flight; dropping it forgets the request.
pub(crate) struct Registered {
    calls: Arc<Calls>,
    id: u64,
    /// rmcp's progress token, once the request was sent with one to map.
    progress: Option<ProgressToken>,
}

impl Calls {
    /// Records `caller` as the client of a request about to be sent.
    pub(crate) fn register(self: &Arc<Self>, caller: Arc<dyn Caller>) -> Registered {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().insert(id, caller);
        Registered {
            calls: self.clone(),
            id,
            progress: None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<dyn Caller>>> {
        // Single inserts and removals only; a panic cannot leave it torn.
        self.callers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The client of the oldest request in flight.
    pub(crate) fn oldest(&self) -> Option<Arc<dyn Caller>> {
        self.lock().values().next().cloned()
    }

    /// Hands a progress notification to the client whose request it is about.
    pub(crate) async fn progress(&self, mut progress: ProgressNotificationParam) {
        let ours = progress.progress_token.clone();
        let route = self.progress.lock().await.get(&ours).cloned();
        if let Some((caller, token)) = route {
            progress.progress_token = token;
            caller.progress(progress).await;
        }
        self.tally.passed(&ours);
    }

    /// The progress map, locked while a request is sent (see [`Calls::progress`]).
    pub(crate) async fn progress_routes(&self) -> tokio::sync::MutexGuard<'_, ProgressRoutes> {
        self.progress.lock().await
    }
}

impl Registered {
    /// rmcp's progress token of this request, if its progress is passed on.
    pub(crate) fn progress_token(&self) -> Option<&ProgressToken> {
        self.progress.as_ref()
    }

    /// Maps rmcp's token of this request to the client's; call with the map held since before
    /// the request was sent.
    pub(crate) fn map_progress(
        &mut self,
        routes: &mut ProgressRoutes,
        ours: ProgressToken,
        theirs: ProgressToken,
    ) {
        if let Some(caller) = self.calls.lock().get(&self.id).cloned() {
            routes.insert(ours.clone(), (caller, theirs));
            self.progress = Some(ours);
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.calls.lock().remove(&self.id);
        if let Some(token) = self.progress.take() {
            let calls = self.calls.clone();
            // The map is an async lock; forgetting the token can wait a moment.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    calls.progress.lock().await.remove(&token);
                });
            }
        }
    }
}
