//! The relay of a standby instance: it has no workspace until one takes it, so what it sends
//! before then is dropped (list changes are remembered, to re-list at handout) and what it
//! sends after goes to the workspace's own relay.
#![allow(
    deprecated,
    reason = "logging is deprecated by SEP-2577 but 2025-era servers use it"
)]

use std::sync::{Arc, Mutex, PoisonError};

use rmcp::model::LoggingMessageNotificationParam;

use crate::upstream::{Listed, Relay};

/// A [`Relay`] whose target is set once, at handout.
#[derive(Default)]
pub(crate) struct Rebind {
    state: Mutex<Bound>,
}

#[derive(Default)]
struct Bound {
    target: Option<Arc<dyn Relay>>,
    /// Lists the server said changed while nobody listened.
    missed: Vec<Listed>,
}

impl Rebind {
    /// Sends what the instance says from now on to `target`; returns the lists it said
    /// changed while it waited, for the new owner to re-list.
    pub(crate) fn bind(&self, target: Arc<dyn Relay>) -> Vec<Listed> {
        let mut state = self.lock();
        state.target = Some(target);
        std::mem::take(&mut state.missed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bound> {
        // Nothing panics while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn target(&self) -> Option<Arc<dyn Relay>> {
        self.lock().target.clone()
    }
}

impl Relay for Rebind {
    fn changed(&self, list: Listed) {
        let target = {
            let mut state = self.lock();
            if state.target.is_none() && !state.missed.contains(&list) {
                state.missed.push(list);
            }
            state.target.clone()
        };
        if let Some(target) = target {
            target.changed(list);
        }
    }

    fn resource_updated(&self, uri: String) {
        if let Some(target) = self.target() {
            target.resource_updated(uri);
        }
    }

    fn log(&self, message: LoggingMessageNotificationParam) {
        if let Some(target) = self.target() {
            target.log(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Seen(Mutex<Vec<Listed>>);

    impl Relay for Seen {
        fn changed(&self, list: Listed) {
            self.0.lock().unwrap().push(list);
        }
        fn resource_updated(&self, _uri: String) {}
        fn log(&self, _message: LoggingMessageNotificationParam) {}
    }

    #[test]
    fn changes_before_the_handout_are_returned_once_and_later_ones_forwarded() {
        let relay = Rebind::default();
        relay.changed(Listed::Tools);
        relay.changed(Listed::Tools);
        relay.changed(Listed::Prompts);
        let seen = Arc::new(Seen::default());
        assert_eq!(
            relay.bind(seen.clone()),
            vec![Listed::Tools, Listed::Prompts]
        );
        assert!(seen.0.lock().unwrap().is_empty());
        relay.changed(Listed::Resources);
        assert_eq!(*seen.0.lock().unwrap(), vec![Listed::Resources]);
    }
}
