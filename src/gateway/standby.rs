//! Standby instances (`run --standby NAME[=N]`): N started and initialized instances of a
//! catalog server, kept gateway-wide, so that `mcp-add` of it binds one to the workspace
//! instead of starting a container. A background task keeps each pool full; an instance is
//! handed out at most once, only to a workspace whose launch spec for the server equals the
//! standby's in everything but the workspace, and one that died while waiting is discarded.
//! Its relay (`standby/relay.rs`) forwards to the workspace that took it.

mod relay;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use rmcp::model::JsonObject;
use tokio_util::sync::CancellationToken;

use crate::catalog::{Catalog, CatalogEntry, ServerKind};
use crate::gateway::Gateway;
use crate::gateway::launch::{self, LaunchError, LaunchSpec};
use crate::runtime::{ContainerSpec, NoSteps};
use crate::upstream::{self, Upstream};

pub(crate) use relay::Rebind;

/// The `io.switchboard.workspace` label of an instance no workspace has taken yet.
pub(crate) const STANDBY_WORKSPACE: &str = "(standby)";

/// How often the filler looks for standby instances that died while waiting.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How long the filler waits after a failed start before it tries again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// One `--standby NAME[=N]`: keep `count` instances of `server` ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandbyWant {
    pub server: String,
    pub count: usize,
}

/// Why a catalog server cannot be kept on standby.
#[derive(Debug, thiserror::Error)]
pub enum StandbyRefused {
    #[error("there is no server named `{server}` in the catalog")]
    Unknown { server: String },
    #[error(
        "`{server}` is a {kind} server; only container servers (`type: server` with an image) can be kept on standby"
    )]
    NotContainer { server: String, kind: String },
    #[error(
        "`{server}` uses secrets ({names}); a standby instance starts before any workspace asks for it, so it cannot carry a workspace's secrets"
    )]
    Secrets { server: String, names: String },
    #[error(
        "`{server}` needs config ({keys}); a standby instance starts with none, so only servers whose config is all optional can be kept on standby"
    )]
    Config { server: String, keys: String },
}

/// Whether `want` can be kept on standby with `catalog`.
pub fn check(catalog: &Catalog, want: &StandbyWant) -> Result<(), StandbyRefused> {
    let server = want.server.clone();
    let Some(entry) = catalog.get(&want.server) else {
        return Err(StandbyRefused::Unknown { server });
    };
    if !matches!(entry.kind, ServerKind::Server) || entry.image.is_none() {
        return Err(StandbyRefused::NotContainer {
            server,
            kind: entry.kind.as_str().to_string(),
        });
    }
    if !entry.secrets.is_empty() {
        let names = entry
            .secrets
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(StandbyRefused::Secrets { server, names });
    }
    let missing = launch::missing_config(entry, &JsonObject::new());
    if !missing.is_empty() {
        return Err(StandbyRefused::Config {
            server,
            keys: missing.join(", "),
        });
    }
    Ok(())
}

/// Why a standby instance could not be started (logged; the filler tries again later).
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("`{0}` is not in the catalog")]
    Unknown(String),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("`{0}` does not run in a container")]
    NotContainer(String),
    #[error(transparent)]
    Upstream(#[from] upstream::Error),
    #[error("the gateway is stopping")]
    Closed,
}

/// A standby instance handed to a workspace, with the relay to point at it.
pub(crate) struct Taken {
    pub upstream: Arc<Upstream>,
    pub relay: Arc<Rebind>,
}

/// One ready instance.
struct Ready {
    upstream: Arc<Upstream>,
    spec: ContainerSpec,
    relay: Arc<Rebind>,
}

#[derive(Default)]
struct Pools {
    ready: HashMap<String, VecDeque<Ready>>,
    /// Set by [`Standby::close`]: nothing is added any more.
    closed: bool,
}

/// The gateway's standby pools.
pub struct Standby {
    wants: Vec<StandbyWant>,
    pools: Mutex<Pools>,
    /// Wakes the filler after a handout.
    wake: Arc<tokio::sync::Notify>,
    /// Cancels a start under way at shutdown.
    cancel: CancellationToken,
    /// Held by the filler while it starts an instance, so `close` can wait for it to let go.
    starting: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Standby {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Standby")
            .field("wants", &self.wants)
            .finish_non_exhaustive()
    }
}

impl Standby {
    /// Pools for `wants`; empty until [`Standby::fill`] runs.
    pub fn new(wants: Vec<StandbyWant>) -> Standby {
        Standby {
            wants,
            pools: Mutex::default(),
            wake: Arc::default(),
            cancel: CancellationToken::new(),
            starting: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pools> {
        // Nothing panics while holding it; the pools stay valid.
        self.pools.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The container ids of the instances of `server` ready now.
    pub fn ready(&self, server: &str) -> Vec<String> {
        self.lock()
            .ready
            .get(server)
            .map(|q| {
                q.iter()
                    .filter_map(|r| r.upstream.container().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Starts the task that keeps every pool full, in the background (call once, after
    /// start-up); it holds the gateway only while it works.
    pub fn fill(gateway: &Arc<Gateway>) {
        let pool = &gateway.standby;
        if pool.wants.is_empty() {
            return;
        }
        for want in &pool.wants {
            gateway.metrics.standby_ready(&want.server, 0);
        }
        let weak: Weak<Gateway> = Arc::downgrade(gateway);
        let wake = pool.wake.clone();
        tokio::spawn(async move {
            loop {
                let woken = wake.notified();
                tokio::pin!(woken);
                woken.as_mut().enable();
                let Some(gateway) = weak.upgrade() else {
                    return;
                };
                if gateway.standby.cancel.is_cancelled() {
                    return;
                }
                let pause = if gateway.standby.top_up(&gateway).await {
                    CHECK_EVERY
                } else {
                    RETRY_AFTER
                };
                drop(gateway);
                tokio::select! {
                    () = woken => {}
                    () = tokio::time::sleep(pause) => {}
                }
            }
        });
    }

    /// Discards dead instances and starts missing ones; false if a start failed.
    async fn top_up(&self, gateway: &Arc<Gateway>) -> bool {
        self.discard_dead(gateway);
        for want in &self.wants {
            while self.count(&want.server) < want.count {
                match self.start_one(gateway, want).await {
                    Ok(()) => {}
                    Err(StartError::Closed) => return true,
                    Err(error) => {
                        let reason = crate::gateway::reply::chain(&error);
                        tracing::warn!(
                            server = want.server,
                            reason,
                            "cannot start a standby instance; trying again later"
                        );
                        return false;
                    }
                }
            }
        }
        true
    }

    fn count(&self, server: &str) -> usize {
        self.lock().ready.get(server).map_or(0, VecDeque::len)
    }

    /// Drops the instances whose connection closed while they waited.
    fn discard_dead(&self, gateway: &Arc<Gateway>) {
        let dead: Vec<(String, Arc<Upstream>)> = {
            let mut pools = self.lock();
            let mut dead = Vec::new();
            for (server, queue) in pools.ready.iter_mut() {
                let (live, gone): (VecDeque<Ready>, VecDeque<Ready>) =
                    queue.drain(..).partition(|r| !r.upstream.is_closed());
                *queue = live;
                dead.extend(gone.into_iter().map(|r| (server.clone(), r.upstream)));
            }
            dead
        };
        for (server, upstream) in dead {
            tracing::info!(
                server,
                "a standby instance died while waiting; replacing it"
            );
            self.publish(gateway, &server);
            stop_later(gateway, upstream);
        }
    }

    fn publish(&self, gateway: &Gateway, server: &str) {
        gateway.metrics.standby_ready(server, self.count(server));
    }

    /// Starts one instance of `want`'s server and puts it in its pool.
    async fn start_one(&self, gateway: &Gateway, want: &StandbyWant) -> Result<(), StartError> {
        let _starting = self.starting.lock().await;
        let entry = gateway
            .catalog
            .catalog()
            .get(&want.server)
            .ok_or_else(|| StartError::Unknown(want.server.clone()))?;
        let spec = standby_spec(gateway, entry)?;
        let relay = Arc::new(Rebind::default());
        let started = tokio::select! {
            () = self.cancel.cancelled() => return Err(StartError::Closed),
            started = Upstream::start(
                gateway.runtime(),
                entry.name.clone(),
                &spec,
                gateway.settings.start_timeout,
                relay.clone(),
                &NoSteps,
            ) => started?,
        };
        let upstream = Arc::new(started);
        let refused = {
            let mut pools = self.lock();
            if pools.closed {
                true
            } else {
                pools
                    .ready
                    .entry(want.server.clone())
                    .or_default()
                    .push_back(Ready {
                        upstream: upstream.clone(),
                        spec,
                        relay,
                    });
                false
            }
        };
        if refused {
            upstream.shutdown(gateway.runtime()).await;
            return Err(StartError::Closed);
        }
        tracing::info!(
            server = want.server,
            container = upstream.container(),
            "standby instance ready"
        );
        self.publish(gateway, &want.server);
        Ok(())
    }

    /// Hands out one ready instance of `server` if its launch spec is `wanted` in everything
    /// but the workspace; the filler starts a replacement. Never the same instance twice.
    pub(crate) fn take(
        &self,
        gateway: &Arc<Gateway>,
        server: &str,
        wanted: &ContainerSpec,
    ) -> Option<Taken> {
        let mut dead = Vec::new();
        let taken = {
            let mut pools = self.lock();
            let queue = pools.ready.get_mut(server)?;
            loop {
                let Some(ready) = queue.front() else {
                    break None;
                };
                if !same_launch(&ready.spec, wanted) {
                    break None;
                }
                let ready = queue.pop_front()?;
                if ready.upstream.is_closed() {
                    dead.push(ready.upstream);
                    continue;
                }
                break Some(Taken {
                    upstream: ready.upstream,
                    relay: ready.relay,
                });
            }
        };
        for upstream in dead {
            tracing::info!(server, "a standby instance died while waiting; discarded");
            stop_later(gateway, upstream);
        }
        if taken.is_some() {
            gateway.metrics.standby_handout(server);
        }
        self.publish(gateway, server);
        self.wake.notify_one();
        taken
    }

    /// Stops the filler and every ready instance (at shutdown); a start under way is
    /// abandoned (the runtime's `stop_all` removes what it left).
    pub async fn close(&self, gateway: &Gateway) {
        self.cancel.cancel();
        self.wake.notify_one();
        let _starting = self.starting.lock().await;
        let ready: Vec<Arc<Upstream>> = {
            let mut pools = self.lock();
            pools.closed = true;
            pools
                .ready
                .drain()
                .flat_map(|(_, q)| q.into_iter().map(|r| r.upstream))
                .collect()
        };
        futures::future::join_all(ready.iter().map(|u| u.shutdown(gateway.runtime()))).await;
        for want in &self.wants {
            gateway.metrics.standby_ready(&want.server, 0);
        }
    }
}

/// The spec a standby instance of `entry` starts from: no config, no workspace's secrets.
fn standby_spec(gateway: &Gateway, entry: &CatalogEntry) -> Result<ContainerSpec, StartError> {
    let spec = launch::launch_spec(
        entry,
        STANDBY_WORKSPACE,
        &JsonObject::new(),
        &gateway.secrets.unscoped(),
        &gateway.settings,
    )?;
    match spec {
        LaunchSpec::Container(mut spec) => {
            spec.standby = true;
            Ok(spec)
        }
        LaunchSpec::Remote(_) => Err(StartError::NotContainer(entry.name.to_string())),
    }
}

/// Whether two specs start the same thing, whoever they are for (the workspace and the
/// standby mark aside).
pub(crate) fn same_launch(a: &ContainerSpec, b: &ContainerSpec) -> bool {
    let same_env = a.env.len() == b.env.len()
        && a.env.iter().zip(&b.env).all(|(x, y)| {
            x.name == y.name
                && x.value.expose() == y.value.expose()
                && x.value.secret().is_some() == y.value.secret().is_some()
        });
    a.server == b.server
        && a.image == b.image
        && a.command == b.command
        && same_env
        && a.mounts == b.mounts
        && a.user == b.user
        && a.disable_network == b.disable_network
        && a.limits == b.limits
}

/// Stops `upstream` in a task of its own, so a handout never waits for it.
fn stop_later(gateway: &Arc<Gateway>, upstream: Arc<Upstream>) {
    let gateway = gateway.clone();
    tokio::spawn(async move { upstream.shutdown(gateway.runtime()).await });
}
