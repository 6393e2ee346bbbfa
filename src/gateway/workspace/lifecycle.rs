//! A workspace's servers over time: restarts after a crash or a config change, idle stops,
//! and shutdown. Split from `workspace.rs`, whose state it shares.

use std::sync::Arc;
use std::time::Duration;

use crate::catalog::ServerName;
use crate::gateway::routing::Kinds;
use crate::gateway::workspace::relay::reoffer;
use crate::gateway::workspace::{AddError, CallError, Workspace};
use crate::runtime::NoSteps;
use crate::upstream::Upstream;

impl Workspace {
    /// Restarts an added server with its current config, so that a config change takes
    /// effect; its offer is re-routed and announced only where the server lists something
    /// different, and the kinds that changed are returned. `Ok(None)` if the server is not
    /// added. If the new container fails to start, the old one keeps serving.
    pub async fn reconfigure(&self, name: &str, origin: u64) -> Result<Option<Kinds>, AddError> {
        let _op = self.ops.lock().await;
        if self.is_closed() {
            return Err(AddError::Closed);
        }
        let Some(entry) = self
            .gateway
            .catalog
            .catalog()
            .get(name)
            .filter(|_| self.is_added(name))
        else {
            return Ok(None);
        };
        let spec = self.spec_for(entry)?;
        let upstream = self.start(&entry.name, &spec, &NoSteps).await?;
        let (old, changed) = {
            let mut state = self.write();
            let Some(added) = state.servers.get_mut(&entry.name) else {
                return Ok(None);
            };
            added.spec = spec;
            let old = added.upstream.replace(upstream.clone());
            (
                old,
                reoffer(&mut state, &entry.name, upstream.offer().clone()),
            )
        };
        if let Some(old) = old {
            self.shutdown_upstream(&old).await;
        }
        self.resubscribe(&entry.name, &upstream).await;
        tracing::info!(server = name, workspace = %self.id, ?changed, "server restarted with new config");
        self.announce_lists(changed, origin);
        Ok(Some(changed))
    }

    pub(super) async fn shutdown_upstream(&self, upstream: &Upstream) {
        upstream.shutdown(self.gateway.runtime()).await;
    }

    /// Starts `server` again unless another call already did; `stale` is the dead connection.
    pub(super) async fn restart(
        &self,
        server: &ServerName,
        stale: Option<Arc<Upstream>>,
    ) -> Result<Arc<Upstream>, CallError> {
        let _op = self.ops.lock().await;
        if self.is_closed() {
            return Err(CallError::Restart {
                server: server.clone(),
                source: AddError::Closed,
            });
        }
        let spec = {
            let state = self.read();
            let Some(added) = state.servers.get(server) else {
                return Err(CallError::Removed {
                    server: server.clone(),
                });
            };
            match &added.upstream {
                Some(current) if !current.is_closed() && !same(current, stale.as_ref()) => {
                    return Ok(current.clone());
                }
                _ => added.spec.clone(),
            }
        };
        if let Some(stale) = stale {
            self.shutdown_upstream(&stale).await;
        }
        tracing::info!(server = %server, workspace = %self.id, "restarting server");
        let upstream = self
            .start(server, &spec, &NoSteps)
            .await
            .map_err(|source| CallError::Restart {
                server: server.clone(),
                source,
            })?;
        let changed = {
            let mut state = self.write();
            let Some(added) = state.servers.get_mut(server) else {
                return Err(CallError::Removed {
                    server: server.clone(),
                });
            };
            added.upstream = Some(upstream.clone());
            reoffer(&mut state, server, upstream.offer().clone())
        };
        self.resubscribe(server, &upstream).await;
        // The server may have come back with another offer (an update, a remote that changed).
        self.announce_lists(changed, 0);
        Ok(upstream)
    }

    /// Drops a dead connection so the next call restarts the server.
    pub(super) async fn forget(&self, server: &ServerName, dead: &Arc<Upstream>) {
        {
            let mut state = self.write();
            if let Some(added) = state
                .servers
                .get_mut(server)
                .filter(|a| same(dead, a.upstream.as_ref()))
            {
                added.upstream = None;
            }
        }
        self.shutdown_upstream(dead).await;
    }

    /// Stops servers that had no call for `idle`; their tools stay registered and the next
    /// call starts them again. Returns how many were stopped.
    pub async fn stop_idle(&self, idle: Duration) -> usize {
        let _op = self.ops.lock().await;
        let stopped: Vec<(ServerName, Arc<Upstream>)> = {
            let mut state = self.write();
            state
                .servers
                .iter_mut()
                .filter(|(_, added)| {
                    added
                        .upstream
                        .as_ref()
                        .and_then(|u| u.idle_for())
                        .is_some_and(|d| d >= idle)
                })
                .filter_map(|(name, added)| added.upstream.take().map(|u| (name.clone(), u)))
                .collect()
        };
        for (server, upstream) in &stopped {
            tracing::info!(server = %server, workspace = %self.id, "stopping idle server");
            self.shutdown_upstream(upstream).await;
        }
        stopped.len()
    }

    /// Subscribes a freshly started `upstream` to the resources sessions follow on it.
    async fn resubscribe(&self, server: &ServerName, upstream: &Upstream) {
        let uris: Vec<String> = {
            let state = self.read();
            state
                .subscriptions
                .keys()
                .filter_map(|uri| state.routes.resource(uri))
                .filter(|route| &route.server == server)
                .map(|route| route.uri)
                .collect()
        };
        for uri in uris {
            if let Err(error) = upstream.subscribe(&uri, true).await {
                tracing::warn!(server = %server, error = %error, "cannot subscribe a restarted server to a resource again");
            }
        }
    }

    /// Stops every server of the workspace, those kept warm after a remove included; used at
    /// shutdown.
    pub async fn shutdown(&self) {
        let _op = self.ops.lock().await;
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        self.closing.cancel();
        // Their tasks hold the workspace; dropping them cancels the servers' calls.
        self.holds.clear();
        let upstreams: Vec<Arc<Upstream>> = {
            let mut state = self.write();
            let servers = std::mem::take(&mut state.servers);
            for server in servers.keys() {
                state.routes.unregister(server);
            }
            servers.into_values().filter_map(|a| a.upstream).collect()
        };
        let upstreams: Vec<Arc<Upstream>> =
            upstreams.into_iter().chain(self.take_parked()).collect();
        futures::future::join_all(upstreams.iter().map(|u| self.shutdown_upstream(u))).await;
    }
}

fn same(a: &Arc<Upstream>, b: Option<&Arc<Upstream>>) -> bool {
    b.is_some_and(|b| Arc::ptr_eq(a, b))
}
