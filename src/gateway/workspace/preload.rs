//! The servers a workspace starts with: the gateway's `--server`s, then those of its owner's
//! profile, added once, in a task of the workspace's own.

use std::collections::HashSet;

use crate::gateway::workspace::{PreloadFailure, Workspace};

/// How long a request waits for the servers a workspace starts with (see [`Workspace::ready`]).
const PRELOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Workspace {
    /// Starts adding the servers this workspace starts with (once: the gateway's `--server`s,
    /// then those of its owner's profile) and waits until they are added, for at most
    /// [`PRELOAD_WAIT`]: a server whose image is still pulling joins later, announced with
    /// `list_changed`, rather than holding up a client's first `tools/list` past its timeout.
    /// One that cannot be added is left out (see [`Self::preload_failures`]).
    pub async fn ready(&self) {
        let mut done = self.preloaded.subscribe();
        if *done.borrow() {
            return;
        }
        self.start_preload();
        if tokio::time::timeout(PRELOAD_WAIT, done.wait_for(|d| *d))
            .await
            .is_err()
        {
            tracing::info!(workspace = %self.id, "servers this workspace starts with are still starting; they follow with list_changed");
        }
    }

    /// Adds the servers it starts with in a task of its own (once), so that no waiter giving
    /// up stops them halfway.
    pub fn start_preload(&self) {
        use std::sync::atomic::Ordering;
        if self.preload_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let Some(me) = self.me.upgrade() else {
            return;
        };
        tokio::spawn(async move {
            me.preload().await;
            me.preloaded.send_replace(true);
        });
    }

    async fn preload(&self) {
        let mut names = self.gateway.settings.preload.clone();
        match self.gateway.home.profile(&self.owner).load() {
            Ok(profile) => names.extend(profile.servers),
            Err(error) => {
                tracing::warn!(workspace = %self.id, error = %error, "cannot read the workspace's profile")
            }
        }
        let mut seen = HashSet::new();
        for name in names.into_iter().filter(|n| seen.insert(n.clone())) {
            if let Err(error) = self.add(&name, 0).await {
                let reason = crate::gateway::reply::chain(&error);
                tracing::warn!(workspace = %self.id, server = name, reason, "a server this workspace starts with could not be added");
                self.write().preload_failures.push(PreloadFailure {
                    server: name,
                    reason,
                });
            }
        }
    }

    /// The servers this workspace should have started with but could not, and why.
    pub fn preload_failures(&self) -> Vec<PreloadFailure> {
        self.read().preload_failures.clone()
    }
}
