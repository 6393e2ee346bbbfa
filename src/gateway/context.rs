//! What every session shares: the catalog and its index, the runtime, secrets, settings.

use std::sync::Arc;
use std::time::Duration;

use crate::catalog::{Catalog, IndexedCatalog};
use crate::runtime::{DockerRuntime, GatewayId, Limits, Runtime};
use crate::store::{Home, Secrets};

/// Tunables of the gateway, from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub limits: Limits,
    /// How long a server may take from container start to answering `tools/list`.
    pub start_timeout: Duration,
    /// How long a missing image may take to pull.
    pub pull_timeout: Duration,
    /// Host paths servers may mount read-write; every other host path is mounted read-only.
    pub writable: Vec<std::path::PathBuf>,
    /// The user's home directory, for `~` in mount paths.
    pub user_home: Option<std::path::PathBuf>,
    /// Catalog servers every new workspace starts with (`run --server`).
    pub preload: Vec<String>,
    /// How `mcp-find` ranks (`run --search`).
    pub search: switchboard_index::Mode,
    /// Where the call log is written (`run --call-log`); off by default.
    pub call_log: crate::calllog::Target,
    /// Whether the call log keeps arguments and results, secrets redacted (`run --log-arguments`).
    pub log_arguments: bool,
    /// Servers kept started on standby, gateway-wide (`run --standby NAME[=N]`).
    pub standby: Vec<crate::gateway::StandbyWant>,
    /// How long a removed server stays warm for its workspace (`run --keep-warm`); zero: off.
    pub keep_warm: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            start_timeout: Duration::from_secs(60),
            pull_timeout: Duration::from_secs(300),
            writable: Vec::new(),
            user_home: None,
            preload: Vec::new(),
            search: switchboard_index::Mode::Hybrid,
            call_log: crate::calllog::Target::Off,
            log_arguments: false,
            standby: Vec::new(),
            keep_warm: Duration::ZERO,
        }
    }
}

/// The shared, read-mostly half of the gateway; workspaces hold the per-client half.
#[derive(Debug)]
pub struct Gateway {
    pub catalog: IndexedCatalog,
    pub secrets: Secrets,
    pub settings: Settings,
    /// Where workspaces save their config.
    pub home: Home,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Every tool call, prompt get and resource read: to the call log file and live viewers.
    pub calls: crate::calllog::CallLog,
    /// Instances kept ready for `mcp-add` (`run --standby`), filled by `Standby::fill`.
    pub standby: crate::gateway::Standby,
    /// Where servers run: Docker unless a test or embedder chose another.
    runtime: Arc<dyn Runtime>,
    meta_tools: std::sync::OnceLock<Vec<rmcp::model::Tool>>,
    /// Whether the search index's semantic stage has been set warming.
    warming: std::sync::atomic::AtomicBool,
}

impl Gateway {
    /// Indexes the catalog; servers run in Docker, connected on first use, so search works
    /// without it.
    pub fn new(
        catalog: Catalog,
        secrets: Secrets,
        settings: Settings,
        home: Home,
    ) -> Result<Arc<Gateway>, switchboard_index::Error> {
        let runtime = Arc::new(DockerRuntime::new(
            GatewayId::current(),
            settings.pull_timeout,
        ));
        Gateway::with_runtime(catalog, secrets, settings, home, runtime)
    }

    /// As [`Gateway::new`], with servers run by `runtime`.
    pub fn with_runtime(
        catalog: Catalog,
        secrets: Secrets,
        settings: Settings,
        home: Home,
        runtime: Arc<dyn Runtime>,
    ) -> Result<Arc<Gateway>, switchboard_index::Error> {
        let catalog = IndexedCatalog::in_background(catalog, settings.search);
        let calls = crate::calllog::CallLog::new(&settings.call_log, settings.log_arguments);
        let standby = crate::gateway::Standby::new(settings.standby.clone());
        Ok(Arc::new(Gateway {
            catalog,
            secrets,
            settings,
            home,
            metrics: Arc::default(),
            calls,
            standby,
            runtime,
            meta_tools: std::sync::OnceLock::new(),
            warming: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// Loads the semantic stage (model and catalog vectors) on a blocking thread, once, so that
    /// the first `mcp-find` finds it ready; a query that comes first builds it itself. Called
    /// once the first client is answered, never on the path to its `initialize` answer.
    pub fn warm_search(self: &Arc<Self>) {
        if self
            .warming
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let gateway = Arc::clone(self);
        tokio::task::spawn_blocking(move || gateway.catalog.warm());
    }

    /// The meta-tools' `tools/list` entries, built once (their text names the catalog).
    pub fn meta_tools(&self) -> &[rmcp::model::Tool] {
        self.meta_tools
            .get_or_init(|| crate::gateway::tools::MetaTool::definitions(self))
    }

    /// Where this gateway's servers run.
    pub fn runtime(&self) -> &dyn Runtime {
        self.runtime.as_ref()
    }

    /// Removes what dead gateways left behind; called once at start-up.
    pub async fn sweep_orphans(&self) {
        self.runtime.sweep_orphans().await;
    }

    /// Stops every server instance this gateway started, whatever workspace it belongs to.
    pub async fn remove_all_containers(&self) {
        let removed = self.runtime.stop_all().await;
        tracing::info!(removed, "removed this gateway's containers");
    }
}
