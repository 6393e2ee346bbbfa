//! A workspace: the servers one client identity added, their config, and the routing tables
//! of what they offer (`routing.rs`).
//!
//! Add, remove and restart are serialized by one async lock; reads (lists, routing a request)
//! take a short synchronous lock and never wait for a container. Forwarding is in
//! `workspace/forward.rs`, what servers send back in `workspace/relay.rs`, restarts and idle
//! stops in `workspace/lifecycle.rs`, the servers a workspace starts with in
//! `workspace/preload.rs`. An add takes a server this workspace removed moments ago and kept
//! warm (`run --keep-warm`), else an instance from the gateway's standby pool
//! (`gateway/standby.rs`), else starts one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};

use rmcp::model::{JsonObject, Prompt, Resource, ResourceTemplate, Tool};
use tokio::sync::broadcast;

use crate::catalog::{CatalogEntry, ServerName};
use crate::gateway::Gateway;
use crate::gateway::hold::Holds;
use crate::gateway::launch::{self, LaunchError, LaunchSpec};
use crate::gateway::naming::ExposedToolName;
use crate::gateway::routing::{Kinds, Routes};
use crate::runtime::{NoSteps, Steps};
use crate::store::{ConfigStore, SecretScope, SecretStore};
use crate::upstream::{Offer, Upstream};

mod forward;
mod lifecycle;
mod parked;
mod preload;
mod relay;
#[cfg(test)]
mod tests;
mod types;

pub(crate) use types::{AddError, AddOutcome, AddSource, AddedTool, CallError};
pub use types::{Change, ConfigChange, ConfigError, PreloadFailure, ServerStatus};

/// One client identity's servers and what they offer.
#[derive(Debug)]
pub struct Workspace {
    /// Itself, for the tasks it starts (they must not keep it alive).
    me: Weak<Workspace>,
    id: String,
    /// Whose secrets and profile it uses: its own name, or the identity a per-session
    /// workspace belongs to.
    owner: String,
    gateway: Arc<Gateway>,
    /// The secrets only this workspace's owner sees.
    secrets: SecretStore,
    /// Whether the servers it starts with began starting.
    preload_started: std::sync::atomic::AtomicBool,
    /// Becomes true once the servers it starts with were added (or failed to be).
    preloaded: tokio::sync::watch::Sender<bool>,
    /// Set by `shutdown` (under `ops`): a closed workspace starts nothing again.
    closed: std::sync::atomic::AtomicBool,
    /// Cancelled by `shutdown`, for the long-lived streams that follow this workspace.
    closing: tokio_util::sync::CancellationToken,
    /// Where this workspace's config is kept.
    config_home: ConfigHome,
    /// Serializes add, remove and restart, which wait for containers.
    ops: tokio::sync::Mutex<()>,
    state: RwLock<State>,
    changes: broadcast::Sender<Change>,
    /// Calls of 2025-era servers waiting for a 2026-07-28 client's answer.
    holds: Arc<Holds>,
}

#[derive(Debug)]
struct State {
    servers: BTreeMap<ServerName, Added>,
    routes: Routes,
    config: HashMap<ServerName, JsonObject>,
    /// Servers it should have started with but could not, and why.
    preload_failures: Vec<PreloadFailure>,
    /// Resource URI (as clients know it) -> the sessions subscribed to it.
    subscriptions: HashMap<String, HashSet<u64>>,
    /// The log level each session asked for (`logging/setLevel`).
    log_levels: HashMap<u64, crate::gateway::logging::Level>,
    /// Servers removed moments ago, still running for a quick add again (`--keep-warm`).
    parked: HashMap<ServerName, parked::Parked>,
}

#[derive(Debug)]
struct Added {
    /// `None` after the server died; the next call starts it again from `spec`.
    upstream: Option<Arc<Upstream>>,
    spec: LaunchSpec,
    /// What the server offers, as it listed it, to tell whether a restart changed it.
    offer: Offer,
}

/// Where a workspace keeps its servers' config.
#[derive(Debug)]
enum ConfigHome {
    /// Saved under the workspace's name and re-read at each server start, so that
    /// `switchboard config set` applies without a restart of the gateway.
    Saved(ConfigStore),
    /// A session's own workspace (`--workspace-per-session`): it starts from its identity's
    /// saved config, and what the session sets lives and ends with it.
    Session,
}

impl Workspace {
    /// A workspace with the config saved for it earlier.
    pub fn new(id: impl Into<String>, gateway: Arc<Gateway>) -> Arc<Workspace> {
        let id = id.into();
        let store = gateway.home.config(&id);
        let config = Self::load_saved(&id, &store);
        Self::build(id.clone(), id, gateway, ConfigHome::Saved(store), config)
    }

    /// A workspace for one session of `identity`: seeded with the identity's saved config,
    /// never writing to it.
    pub fn for_session(
        id: impl Into<String>,
        identity: &str,
        gateway: Arc<Gateway>,
    ) -> Arc<Workspace> {
        let id = id.into();
        let config = Self::load_saved(&id, &gateway.home.config(identity));
        Self::build(
            id,
            identity.to_string(),
            gateway,
            ConfigHome::Session,
            config,
        )
    }

    fn load_saved(id: &str, store: &ConfigStore) -> HashMap<ServerName, JsonObject> {
        match store.load() {
            Ok(saved) => saved
                .into_iter()
                .map(|(server, config)| (ServerName::new(server), config))
                .collect(),
            Err(error) => {
                tracing::warn!(workspace = %id, error = %error, "cannot read saved config; starting without it");
                HashMap::new()
            }
        }
    }

    fn build(
        id: String,
        owner: String,
        gateway: Arc<Gateway>,
        home: ConfigHome,
        config: HashMap<ServerName, JsonObject>,
    ) -> Arc<Workspace> {
        let reserved = crate::gateway::tools::NAMES
            .iter()
            .filter_map(|n| ExposedToolName::new(n));
        Arc::new_cyclic(|me| Workspace {
            me: me.clone(),
            id,
            secrets: gateway.home.workspace_secrets(&owner),
            owner,
            gateway,
            preload_started: std::sync::atomic::AtomicBool::new(false),
            preloaded: tokio::sync::watch::Sender::new(false),
            closed: std::sync::atomic::AtomicBool::new(false),
            closing: tokio_util::sync::CancellationToken::new(),
            config_home: home,
            ops: tokio::sync::Mutex::new(()),
            state: RwLock::new(State {
                servers: BTreeMap::new(),
                routes: Routes::new(reserved),
                config,
                preload_failures: Vec::new(),
                subscriptions: HashMap::new(),
                log_levels: HashMap::new(),
                parked: HashMap::new(),
            }),
            changes: broadcast::channel(64).0,
            holds: Arc::default(),
        })
    }

    /// The calls waiting for a 2026-07-28 client's answer.
    pub(crate) fn holds(&self) -> &Arc<Holds> {
        &self.holds
    }

    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    /// The name on its containers' `io.switchboard.workspace` label and in its logs.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The identity whose secrets, profile and saved config it uses.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The secrets this workspace's servers get: its owner's own, then the gateway's.
    pub fn secret_scope(&self) -> SecretScope<'_> {
        self.gateway.secrets.scope(&self.owner, &self.secrets)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // Writers never panic while holding the lock, so poisoning cannot hide a broken state.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Cancelled when the workspace closes (its session ended, its token was revoked, the
    /// gateway stops): streams that follow it end then.
    pub fn closing(&self) -> tokio_util::sync::CancellationToken {
        self.closing.clone()
    }

    /// Listens for changes its sessions may need to hear of.
    pub fn changes(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    fn announce(&self, change: Change) {
        // No receiver just means no session is listening.
        let _ = self.changes.send(change);
    }

    fn announce_lists(&self, kinds: Kinds, origin: u64) {
        if kinds.any() {
            self.announce(Change::Lists { kinds, origin });
        }
    }

    /// The added tools, under their exposed names.
    pub fn tools(&self) -> Vec<Tool> {
        self.read().routes.tools().map(|r| r.item.clone()).collect()
    }

    /// The added servers' prompts, under their exposed names.
    pub fn prompts(&self) -> Vec<Prompt> {
        self.read()
            .routes
            .prompts()
            .map(|r| r.item.clone())
            .collect()
    }

    /// The added servers' resources, under the URIs clients read them by.
    pub fn resources(&self) -> Vec<Resource> {
        self.read()
            .routes
            .resources()
            .map(|r| r.item.clone())
            .collect()
    }

    /// The added servers' resource templates, as they gave them.
    pub fn templates(&self) -> Vec<ResourceTemplate> {
        self.read()
            .routes
            .templates()
            .map(|r| r.item.clone())
            .collect()
    }

    pub fn is_added(&self, server: &str) -> bool {
        self.read().servers.contains_key(server)
    }

    /// How many prompts, and resources with resource templates, an added server offers.
    pub fn brought(&self, server: &str) -> Option<(usize, usize)> {
        let state = self.read();
        let offer = &state.servers.get(server)?.offer;
        Some((
            offer.prompts.len(),
            offer.resources.len() + offer.templates.len(),
        ))
    }

    /// Names of the added servers.
    pub fn added(&self) -> Vec<String> {
        self.read()
            .servers
            .keys()
            .map(ToString::to_string)
            .collect()
    }

    /// The added server whose tool is exposed as `name`: a route lookup, for the call log.
    pub fn tool_owner(&self, name: &str) -> Option<String> {
        let state = self.read();
        state.routes.tool(name).map(|r| r.server.to_string())
    }

    /// The added server whose prompt is exposed as `name`.
    pub fn prompt_owner(&self, name: &str) -> Option<String> {
        let state = self.read();
        state.routes.prompt(name).map(|r| r.server.to_string())
    }

    /// The added server a read of `uri` goes to.
    pub fn resource_owner(&self, uri: &str) -> Option<String> {
        let state = self.read();
        state.routes.resource(uri).map(|r| r.server.to_string())
    }

    /// Exposed tool names of one added server, with their upstream names.
    pub fn tools_of(&self, server: &str) -> Vec<AddedTool> {
        let server = ServerName::new(server.to_string());
        self.read()
            .routes
            .tools_of(&server)
            .map(|routed| AddedTool {
                exposed: ExposedToolName::new(&routed.item.name)
                    .expect("exposed tool names are valid by construction"),
                original: routed.original.clone(),
                tool: routed.item.clone(),
            })
            .collect()
    }

    pub fn config(&self, server: &str) -> JsonObject {
        self.read().config.get(server).cloned().unwrap_or_default()
    }

    /// Re-reads a server's saved config, so that `switchboard config set` run while the gateway
    /// runs applies at the next start of that server.
    fn reload_config(&self, server: &ServerName) -> JsonObject {
        let ConfigHome::Saved(store) = &self.config_home else {
            return self.config(server.as_str());
        };
        match store.load() {
            Ok(mut saved) => {
                let config = saved.remove(server.as_str()).unwrap_or_default();
                self.write().config.insert(server.clone(), config.clone());
                config
            }
            Err(error) => {
                tracing::warn!(server = %server, error = %error, "cannot re-read saved config; using the one in memory");
                self.config(server.as_str())
            }
        }
    }

    /// Changes a server's config: `changes` are merged into the current values (or replace
    /// them), checked against the schema and saved, on disk first so that what is in memory was
    /// saved (a session's own workspace keeps it in memory only). Runs under the `ops` lock and
    /// re-reads the saved values first, so concurrent changes from two sessions, or from
    /// `switchboard config set`, are never lost.
    pub async fn update_config(
        &self,
        entry: &CatalogEntry,
        changes: JsonObject,
        how: ConfigChange,
    ) -> Result<JsonObject, ConfigError> {
        let _op = self.ops.lock().await;
        let current = match how {
            ConfigChange::Merge => self.reload_config(&entry.name),
            ConfigChange::Replace => JsonObject::new(),
        };
        let config = crate::catalog::apply_settings(entry, &current, changes)
            .map_err(ConfigError::Invalid)?;
        if let ConfigHome::Saved(store) = &self.config_home {
            store
                .save(entry.name.as_str(), &config)
                .map_err(ConfigError::Save)?;
        }
        self.write()
            .config
            .insert(entry.name.clone(), config.clone());
        Ok(config)
    }

    /// Each added server, whether it runs right now, and what it exposes.
    pub fn status(&self) -> Vec<ServerStatus> {
        let state = self.read();
        state
            .servers
            .iter()
            .map(|(name, added)| ServerStatus {
                name: name.to_string(),
                running: added.upstream.as_ref().is_some_and(|u| !u.is_closed()),
                container: added
                    .upstream
                    .as_ref()
                    .and_then(|u| u.container())
                    .map(str::to_string),
                tools: state
                    .routes
                    .tools_of(name)
                    .map(|r| r.item.name.to_string())
                    .collect(),
                prompts: added.offer.prompts.len(),
                resources: added.offer.resources.len() + added.offer.templates.len(),
            })
            .collect()
    }

    /// Servers of this workspace running in a live container (for the live-containers gauge),
    /// those kept warm after a remove included.
    pub fn live(&self) -> usize {
        let state = self.read();
        state
            .servers
            .values()
            .filter_map(|a| a.upstream.as_ref())
            .chain(state.parked.values().map(|p| &p.upstream))
            .filter(|u| u.container().is_some() && !u.is_closed())
            .count()
    }

    fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Starts `name` and routes what it offers; `origin` is the asking session.
    pub async fn add(&self, name: &str, origin: u64) -> Result<AddOutcome, AddError> {
        self.add_with(name, origin, &NoSteps).await
    }

    /// As [`Workspace::add`], telling `steps` how the server's start goes (for the progress
    /// of the client that asked).
    pub(crate) async fn add_with(
        &self,
        name: &str,
        origin: u64,
        steps: &dyn Steps,
    ) -> Result<AddOutcome, AddError> {
        let started = std::time::Instant::now();
        let _op = self.ops.lock().await;
        if self.is_closed() {
            return Err(AddError::Closed);
        }
        if let Some(offer) = self.read().servers.get(name).map(|a| a.offer.clone()) {
            return Ok(AddOutcome {
                tools: self.tools_of(name),
                prompts: offer.prompts.len(),
                resources: offer.resources.len(),
                templates: offer.templates.len(),
                newly_added: false,
                source: AddSource::Started,
            });
        }
        let Some(entry) = self.gateway.catalog.catalog().get(name) else {
            return Err(AddError::Unknown {
                name: name.to_string(),
                suggestions: self.suggest(name),
            });
        };
        let spec = self.spec_for(entry)?;
        let (upstream, offer, source, standby) =
            if let Some(parked) = self.unpark(&entry.name, &spec).await {
                (parked.upstream, parked.offer, AddSource::KeptWarm, None)
            } else if let Some(taken) = self.take_standby(&entry.name, &spec) {
                let offer = taken.upstream.offer().clone();
                (taken.upstream, offer, AddSource::Standby, Some(taken.relay))
            } else {
                let upstream = self.start(&entry.name, &spec, steps).await?;
                let offer = upstream.offer().clone();
                (upstream, offer, AddSource::Started, None)
            };
        let tools = {
            let mut state = self.write();
            let tools = state.routes.register(&entry.name, &offer);
            state.servers.insert(
                entry.name.clone(),
                Added {
                    upstream: Some(upstream.clone()),
                    spec,
                    offer: offer.clone(),
                },
            );
            tools
        };
        // Bound once its routes are in, so a change it announces from now on finds them.
        if let Some(standby) = standby {
            relay::adopt(self.me.clone(), &entry.name, &upstream, &standby);
            self.pass_log_level(&upstream).await;
        }
        let tools: Vec<AddedTool> = tools
            .into_iter()
            .map(|routed| AddedTool {
                exposed: ExposedToolName::new(&routed.item.name)
                    .expect("exposed tool names are valid by construction"),
                original: routed.original,
                tool: routed.item,
            })
            .collect();
        tracing::info!(server = name, workspace = %self.id, tools = tools.len(), prompts = offer.prompts.len(), resources = offer.resources.len(), ?source, "server added");
        self.gateway.metrics.added(started.elapsed());
        self.announce_lists(Kinds::of(&offer), origin);
        Ok(AddOutcome {
            tools,
            prompts: offer.prompts.len(),
            resources: offer.resources.len(),
            templates: offer.templates.len(),
            newly_added: true,
            source,
        })
    }

    /// A standby instance of `server`, if the workspace has no config for it and would start
    /// it exactly as the standby was started (its workspace aside).
    fn take_standby(
        &self,
        server: &ServerName,
        spec: &LaunchSpec,
    ) -> Option<crate::gateway::standby::Taken> {
        let LaunchSpec::Container(wanted) = spec else {
            return None;
        };
        if !self.config(server.as_str()).is_empty() {
            return None;
        }
        self.gateway
            .standby
            .take(&self.gateway, server.as_str(), wanted)
    }

    /// How to start `entry` with its saved config, re-read so command-line changes apply.
    fn spec_for(&self, entry: &CatalogEntry) -> Result<LaunchSpec, LaunchError> {
        let config = self.reload_config(&entry.name);
        launch::launch_spec(
            entry,
            &self.id,
            &config,
            &self.secret_scope(),
            &self.gateway.settings,
        )
    }

    /// Starts `server` from `spec` with a relay back to this workspace, and tells it the log
    /// level the workspace's sessions asked for; `steps` hears how the start goes.
    async fn start(
        &self,
        server: &ServerName,
        spec: &LaunchSpec,
        steps: &dyn Steps,
    ) -> Result<Arc<Upstream>, AddError> {
        let timeout = self.gateway.settings.start_timeout;
        let (relay, changes) = relay::ServerRelay::open(self.me.clone(), server.clone());
        let upstream = match spec {
            LaunchSpec::Container(spec) => {
                let runtime = self.gateway.runtime();
                Upstream::start(runtime, server.clone(), spec, timeout, relay, steps).await?
            }
            LaunchSpec::Remote(endpoint) => {
                Upstream::connect(server.clone(), endpoint, timeout, relay, steps).await?
            }
        };
        let upstream = Arc::new(upstream);
        relay::follow(self.me.clone(), server.clone(), &upstream, changes);
        self.pass_log_level(&upstream).await;
        Ok(upstream)
    }

    /// Catalog names close to a name that is not in it.
    fn suggest(&self, name: &str) -> Vec<String> {
        let hits = self.gateway.catalog.search(name, 3).unwrap_or_default();
        hits.iter()
            .map(|(entry, _)| entry.name.to_string())
            .collect()
    }

    /// Unroutes `name`'s offer and removes its container; returns its exposed tools and the
    /// kinds it offered, or `None` if it was not added.
    pub async fn remove(&self, name: &str, origin: u64) -> Option<(Vec<ExposedToolName>, Kinds)> {
        let _op = self.ops.lock().await;
        let server = ServerName::new(name.to_string());
        let (added, tools, kinds) = {
            let mut state = self.write();
            let tools: Vec<ExposedToolName> = state
                .routes
                .tools_of(&server)
                .filter_map(|r| ExposedToolName::new(&r.item.name))
                .collect();
            let added = state.servers.remove(name)?;
            let kinds = state.routes.unregister(&server);
            (added, tools, kinds)
        };
        if let Some(upstream) = added.upstream.clone()
            && !self.park(&server, upstream.clone(), added.spec, added.offer)
        {
            self.shutdown_upstream(&upstream).await;
        }
        tracing::info!(server = name, workspace = %self.id, "server removed");
        self.announce_lists(kinds, origin);
        Some((tools, kinds))
    }
}
