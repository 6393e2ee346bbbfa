//! Servers a workspace removed moments ago, kept running for it for `run --keep-warm SECS`:
//! an add of the same server with the same launch spec within that time takes the instance
//! back at once. Their offer is not routed (so not listed) while parked; a timer stops them
//! when the time is up, and the workspace's shutdown stops those still waiting.

use std::sync::{Arc, Weak};

use crate::catalog::ServerName;
use crate::gateway::launch::LaunchSpec;
use crate::gateway::standby::same_launch;
use crate::gateway::workspace::Workspace;
use crate::upstream::{Offer, Upstream};

/// One removed server still running.
#[derive(Debug)]
pub(super) struct Parked {
    pub(super) upstream: Arc<Upstream>,
    spec: LaunchSpec,
    /// What it offered when it was removed.
    pub(super) offer: Offer,
}

impl Workspace {
    /// Keeps `upstream` running after `server`'s remove, for `--keep-warm`; false when it is not
    /// kept (keep-warm off, not a container, dead, or the workspace is closing) and must be
    /// stopped by the caller.
    pub(super) fn park(
        &self,
        server: &ServerName,
        upstream: Arc<Upstream>,
        spec: LaunchSpec,
        offer: Offer,
    ) -> bool {
        let keep = self.gateway.settings.keep_warm;
        let container = matches!(spec, LaunchSpec::Container(_)) && upstream.container().is_some();
        if keep.is_zero() || !container || upstream.is_closed() || self.is_closed() {
            return false;
        }
        let timer: Weak<Upstream> = Arc::downgrade(&upstream);
        let earlier = self.write().parked.insert(
            server.clone(),
            Parked {
                upstream,
                spec,
                offer,
            },
        );
        if let Some(earlier) = earlier {
            self.stop_later(earlier.upstream);
        }
        tracing::debug!(server = %server, workspace = %self.id, seconds = keep.as_secs(), "keeping a removed server warm");
        let workspace = self.me.clone();
        let server = server.clone();
        tokio::spawn(async move {
            tokio::time::sleep(keep).await;
            if let Some(workspace) = workspace.upgrade() {
                workspace.expire(&server, &timer).await;
            }
        });
        true
    }

    /// The parked instance of `server` if it still runs and was started from `spec`; one that
    /// does not fit is stopped.
    pub(super) async fn unpark(&self, server: &ServerName, spec: &LaunchSpec) -> Option<Parked> {
        let parked = self.write().parked.remove(server)?;
        let fits = match (&parked.spec, spec) {
            (LaunchSpec::Container(a), LaunchSpec::Container(b)) => {
                a.workspace == b.workspace && same_launch(a, b)
            }
            _ => false,
        };
        if fits && !parked.upstream.is_closed() {
            return Some(parked);
        }
        self.shutdown_upstream(&parked.upstream).await;
        None
    }

    /// Stops `server`'s parked instance if it is still the one the timer was set for.
    async fn expire(&self, server: &ServerName, timer: &Weak<Upstream>) {
        let expired = {
            let mut state = self.write();
            let current = state.parked.get(server).map(|p| &p.upstream);
            match (current, timer.upgrade()) {
                (Some(current), Some(timed)) if Arc::ptr_eq(current, &timed) => {
                    state.parked.remove(server)
                }
                _ => None,
            }
        };
        if let Some(expired) = expired {
            tracing::info!(server = %server, workspace = %self.id, "stopping a removed server kept warm");
            self.shutdown_upstream(&expired.upstream).await;
        }
    }

    /// Every parked instance, taken out (for shutdown).
    pub(super) fn take_parked(&self) -> Vec<Arc<Upstream>> {
        self.write()
            .parked
            .drain()
            .map(|(_, p)| p.upstream)
            .collect()
    }

    /// Stops `upstream` in a task of its own.
    fn stop_later(&self, upstream: Arc<Upstream>) {
        let gateway = self.gateway.clone();
        tokio::spawn(async move { upstream.shutdown(gateway.runtime()).await });
    }
}
