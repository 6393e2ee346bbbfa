//! A workspace: the servers one client identity added, their config and the tool table.
//!
//! Add, remove and restart are serialized by one async lock; reads (`tools/list`, routing a
//! call) take a short synchronous lock and never wait for a container.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};

use rmcp::model::{CallToolRequestParams, CallToolResponse, JsonObject, Tool};
use tokio::sync::broadcast;

use crate::catalog::{CatalogEntry, ServerName};
use crate::gateway::Gateway;
use crate::gateway::launch::{self, LaunchError, LaunchSpec};
use crate::gateway::naming::{self, ExposedToolName};
use crate::store::{ConfigStore, SecretScope, SecretStore};
use crate::upstream::{self, Upstream};

mod lifecycle;

/// How long a request waits for the servers a workspace starts with (see [`Workspace::ready`]).
const PRELOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One client identity's servers and tools.
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
    /// Tool-list changes; the value is the session that caused it, which was told directly.
    changes: broadcast::Sender<u64>,
}

#[derive(Debug, Default)]
struct State {
    servers: BTreeMap<ServerName, Added>,
    routes: BTreeMap<ExposedToolName, Route>,
    config: HashMap<ServerName, JsonObject>,
    /// Servers it should have started with but could not, and why.
    preload_failures: Vec<PreloadFailure>,
}

/// One added server as an operator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerStatus {
    pub name: String,
    /// Its container or remote connection is up (idle servers are stopped until called).
    pub running: bool,
    /// The container's id, for a server that runs in one.
    pub container: Option<String>,
    pub tools: Vec<String>,
}

/// A server the workspace was to start with that could not be added.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreloadFailure {
    pub server: String,
    pub reason: String,
}

#[derive(Debug)]
struct Added {
    /// `None` after the server died; the next call starts it again from `spec`.
    upstream: Option<Arc<Upstream>>,
    spec: LaunchSpec,
    tools: Vec<ExposedToolName>,
    /// The tools as the server listed them, to tell whether a restart changed them.
    upstream_tools: Vec<Tool>,
}

#[derive(Debug, Clone)]
struct Route {
    server: ServerName,
    upstream_name: String,
    tool: Tool,
}

/// A tool registered by `mcp-add`.
#[derive(Debug, Clone)]
pub struct AddedTool {
    pub exposed: ExposedToolName,
    /// The name the server itself uses; differs from `exposed` after a collision.
    pub original: String,
    pub tool: Tool,
}

/// The result of `mcp-add`.
#[derive(Debug)]
pub struct AddOutcome {
    pub tools: Vec<AddedTool>,
    /// False when the server was already added and nothing changed.
    pub newly_added: bool,
}

/// Why `mcp-add` failed; nothing was registered and no container is left.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("there is no server named `{name}` in the catalog")]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("docker is not available")]
    Docker(#[source] crate::runtime::Error),
    #[error("this workspace was closed (its session ended or its token was revoked)")]
    Closed,
    #[error(transparent)]
    Upstream(#[from] upstream::Error),
}

/// Why a forwarded tool call failed before or while reaching the server.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no added tool is named `{name}`")]
    UnknownTool {
        name: String,
        available: Vec<String>,
    },
    #[error("`{server}` was removed while the call was being routed")]
    Removed { server: ServerName },
    #[error("restarting `{server}` failed")]
    Restart {
        server: ServerName,
        #[source]
        source: AddError,
    },
    #[error(transparent)]
    Upstream(#[from] upstream::Error),
}

/// How [`Workspace::update_config`] combines new values with the current ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigChange {
    /// Keys given replace those keys; others stay (`mcp-config-set`).
    Merge,
    /// The given object is the whole config (`PUT /admin/v1/.../config/SERVER`).
    Replace,
}

/// Why a config change was not made; nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Invalid(crate::catalog::SettingsError),
    #[error("the config is valid but could not be saved")]
    Save(#[source] crate::store::Error),
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
                config,
                ..State::default()
            }),
            changes: broadcast::channel(16).0,
        })
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

    /// Listens for tool-list changes of this workspace.
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.changes.subscribe()
    }

    fn announce(&self, origin: u64) {
        // No receiver just means no other session is listening.
        let _ = self.changes.send(origin);
    }

    /// The added tools, under their exposed names.
    pub fn tools(&self) -> Vec<Tool> {
        self.read()
            .routes
            .values()
            .map(|r| r.tool.clone())
            .collect()
    }

    pub fn is_added(&self, server: &str) -> bool {
        self.read().servers.contains_key(server)
    }

    /// Names of the added servers.
    pub fn added(&self) -> Vec<String> {
        self.read()
            .servers
            .keys()
            .map(ToString::to_string)
            .collect()
    }

    /// Exposed tool names of one added server, with their upstream names.
    pub fn tools_of(&self, server: &str) -> Vec<AddedTool> {
        let state = self.read();
        let Some(added) = state.servers.get(server) else {
            return Vec::new();
        };
        added
            .tools
            .iter()
            .filter_map(|name| state.routes.get(name).map(|r| (name, r)))
            .map(|(name, route)| AddedTool {
                exposed: name.clone(),
                original: route.upstream_name.clone(),
                tool: route.tool.clone(),
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

    /// Each added server, whether it runs right now, and its exposed tools.
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
                tools: added.tools.iter().map(ToString::to_string).collect(),
            })
            .collect()
    }

    /// Servers of this workspace running in a live container (for the live-containers gauge).
    pub fn live(&self) -> usize {
        let state = self.read();
        state
            .servers
            .values()
            .filter_map(|a| a.upstream.as_ref())
            .filter(|u| u.container().is_some() && !u.is_closed())
            .count()
    }

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

    fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Starts `name` and registers its tools; `origin` is the asking session.
    pub async fn add(&self, name: &str, origin: u64) -> Result<AddOutcome, AddError> {
        let started = std::time::Instant::now();
        let _op = self.ops.lock().await;
        if self.is_closed() {
            return Err(AddError::Closed);
        }
        if self.is_added(name) {
            return Ok(AddOutcome {
                tools: self.tools_of(name),
                newly_added: false,
            });
        }
        let Some(entry) = self.gateway.catalog.catalog().get(name) else {
            return Err(AddError::Unknown {
                name: name.to_string(),
                suggestions: self.suggest(name),
            });
        };
        let spec = self.spec_for(entry)?;
        let upstream = self.start(&entry.name, &spec).await?;
        let tools = {
            let mut state = self.write();
            let tools = register(&mut state, &entry.name, upstream.tools());
            state.servers.insert(
                entry.name.clone(),
                Added {
                    tools: tools.iter().map(|t| t.exposed.clone()).collect(),
                    upstream_tools: upstream.tools().to_vec(),
                    upstream: Some(upstream),
                    spec,
                },
            );
            tools
        };
        tracing::info!(server = name, workspace = %self.id, tools = tools.len(), "server added");
        self.gateway.metrics.added(started.elapsed());
        self.announce(origin);
        Ok(AddOutcome {
            tools,
            newly_added: true,
        })
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

    async fn start(
        &self,
        server: &ServerName,
        spec: &LaunchSpec,
    ) -> Result<Arc<Upstream>, AddError> {
        let timeout = self.gateway.settings.start_timeout;
        let upstream = match spec {
            LaunchSpec::Container(spec) => {
                let docker = self.gateway.docker().await.map_err(AddError::Docker)?;
                Upstream::start(docker, server.clone(), spec, timeout).await?
            }
            LaunchSpec::Remote(endpoint) => {
                Upstream::connect(server.clone(), endpoint, timeout).await?
            }
        };
        let upstream = Arc::new(upstream);
        self.follow_tool_changes(server, &upstream);
        Ok(upstream)
    }

    /// Re-lists `upstream`'s tools each time it says they changed, for as long as it is
    /// connected; the task holds neither the workspace nor the upstream alive.
    fn follow_tool_changes(&self, server: &ServerName, upstream: &Arc<Upstream>) {
        let Some(mut changes) = upstream.take_tool_changes() else {
            return;
        };
        let (me, weak_upstream, server) =
            (self.me.clone(), Arc::downgrade(upstream), server.clone());
        tokio::spawn(async move {
            while changes.next().await {
                let (Some(workspace), Some(upstream)) = (me.upgrade(), weak_upstream.upgrade())
                else {
                    return;
                };
                workspace.refresh_tools(&server, &upstream).await;
            }
        });
    }

    /// Takes in a server's new tool list: its routes are replaced and every session is told,
    /// unless the list is the same or `upstream` is no longer the server's connection.
    ///
    /// It takes no `ops` lock (a slow server must not hold up add and remove): a connection
    /// replaced meanwhile fails the identity check below.
    async fn refresh_tools(&self, server: &ServerName, upstream: &Arc<Upstream>) {
        let limit = self.gateway.settings.start_timeout;
        let tools = match tokio::time::timeout(limit, upstream.list_tools()).await {
            Ok(Ok(tools)) => tools,
            Ok(Err(error)) => {
                tracing::warn!(server = %server, error = %error, "cannot re-list tools after a change");
                return;
            }
            Err(_) => {
                tracing::warn!(server = %server, "re-listing tools after a change timed out");
                return;
            }
        };
        let changed = {
            let mut state = self.write();
            let current = state.servers.get(server).and_then(|a| a.upstream.as_ref());
            if !current.is_some_and(|u| Arc::ptr_eq(u, upstream)) {
                return;
            }
            retool(&mut state, server, &tools)
        };
        if !changed {
            return;
        }
        tracing::info!(server = %server, workspace = %self.id, "server changed its tools");
        // No session caused it, so every session is told.
        self.announce(0);
    }

    /// Catalog names close to a name that is not in it.
    fn suggest(&self, name: &str) -> Vec<String> {
        let hits = self.gateway.catalog.search(name, 3).unwrap_or_default();
        hits.iter()
            .map(|(entry, _)| entry.name.to_string())
            .collect()
    }

    /// Unregisters `name`'s tools and removes its container; `None` if it was not added.
    pub async fn remove(&self, name: &str, origin: u64) -> Option<Vec<ExposedToolName>> {
        let _op = self.ops.lock().await;
        let added = {
            let mut state = self.write();
            let added = state.servers.remove(name)?;
            for tool in &added.tools {
                state.routes.remove(tool);
            }
            added
        };
        if let Some(upstream) = &added.upstream {
            self.shutdown_upstream(upstream).await;
        }
        tracing::info!(server = name, workspace = %self.id, "server removed");
        self.announce(origin);
        Some(added.tools)
    }

    /// Forwards a call to the tool exposed as `exposed`, restarting its server if it died.
    pub async fn call(
        &self,
        exposed: &str,
        arguments: Option<JsonObject>,
    ) -> Result<CallToolResponse, CallError> {
        let (server, upstream_name, upstream, mut in_flight) = {
            let state = self.read();
            let route = ExposedToolName::new(exposed).and_then(|n| state.routes.get(&n));
            let Some(route) = route else {
                return Err(CallError::UnknownTool {
                    name: exposed.to_string(),
                    available: state.routes.keys().map(ToString::to_string).collect(),
                });
            };
            let upstream = state
                .servers
                .get(&route.server)
                .and_then(|a| a.upstream.clone());
            // Taken under the lock: the idle sweep checks it under the same lock.
            let in_flight = upstream.as_ref().map(|u| u.begin());
            (
                route.server.clone(),
                route.upstream_name.clone(),
                upstream,
                in_flight,
            )
        };
        let upstream = match upstream {
            Some(upstream) if !upstream.is_closed() => upstream,
            stale => {
                let upstream = self.restart(&server, stale).await?;
                in_flight = Some(upstream.begin());
                upstream
            }
        };
        let _in_flight = in_flight;
        let mut params = CallToolRequestParams::new(upstream_name);
        params.arguments = arguments;
        let outcome = upstream.call(params).await;
        let ok = matches!(&outcome, Ok(CallToolResponse::Complete(r)) if r.is_error != Some(true));
        self.gateway.metrics.tool_call(server.as_str(), ok);
        match outcome {
            Err(error @ upstream::Error::Closed { .. }) => {
                self.forget(&server, &upstream).await;
                Err(CallError::Upstream(error))
            }
            other => other.map_err(CallError::Upstream),
        }
    }
}

/// Replaces `server`'s routes with `tools` if they differ from what it listed before; true if
/// they did (and sessions should be told).
fn retool(state: &mut State, server: &ServerName, tools: &[Tool]) -> bool {
    let Some(old) = state
        .servers
        .get(server)
        .filter(|a| a.upstream_tools != tools)
        .map(|a| a.tools.clone())
    else {
        return false;
    };
    for tool in &old {
        state.routes.remove(tool);
    }
    let exposed = register(state, server, tools);
    if let Some(added) = state.servers.get_mut(server) {
        added.tools = exposed.into_iter().map(|t| t.exposed).collect();
        added.upstream_tools = tools.to_vec();
    }
    true
}

/// Adds routes for every tool in `tools`, under names free in this workspace.
fn register(state: &mut State, server: &ServerName, tools: &[Tool]) -> Vec<AddedTool> {
    let mut taken: HashSet<ExposedToolName> = state.routes.keys().cloned().collect();
    taken.extend(
        crate::gateway::tools::NAMES
            .iter()
            .filter_map(|n| ExposedToolName::new(n)),
    );
    let mut added = Vec::new();
    for tool in tools {
        let exposed = naming::expose(server.as_str(), &tool.name, &taken);
        taken.insert(exposed.clone());
        let mut exposed_tool = tool.clone();
        exposed_tool.name = exposed.to_string().into();
        let route = Route {
            server: server.clone(),
            upstream_name: tool.name.to_string(),
            tool: exposed_tool.clone(),
        };
        state.routes.insert(exposed.clone(), route);
        added.push(AddedTool {
            exposed,
            original: tool.name.to_string(),
            tool: exposed_tool,
        });
    }
    added
}
