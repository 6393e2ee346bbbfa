//! The command line: argument types, logging set-up, and one module per command group.
//! Only this folder reads argv and the process environment.

mod banner;
mod catalog;
mod client;
mod config;
mod doctor;
mod health;
mod logs;
mod run;
mod secret;
mod token;

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::catalog::Source;

/// Command-line interface of `switchboard`.
#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A dynamic MCP gateway: find, add and call containerized MCP servers on demand"
)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// Log filter (tracing `EnvFilter` syntax), e.g. `debug` or `switchboard=trace`.
    #[arg(long, global = true, env = "SWITCHBOARD_LOG")]
    log: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP to one client over stdio (or HTTP).
    Run(RunArgs),
    /// Search and inspect the catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Store secrets for servers (values are read from stdin).
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Set and show servers' config.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Manage the bearer tokens of the HTTP transport (each token name is a workspace).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Check that a gateway serving HTTP is up (exit 0) or not (exit 1); for health checks.
    Health(health::HealthArgs),
    /// Write Switchboard into an MCP client's config (Claude Code, Cursor, VS Code, ...).
    #[command(subcommand)]
    Client(client::ClientCommand),
    /// Check this machine's set-up: Docker, catalogs, images, secrets, permissions, clients.
    Doctor(doctor::DoctorArgs),
    /// Read the call log (`run --call-log`).
    Logs(logs::LogsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Transport {
    Stdio,
    Http,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// How clients connect.
    #[arg(long, value_enum, default_value = "stdio")]
    transport: Transport,
    /// Address to listen on with `--transport http`.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on with `--transport http`.
    #[arg(long, default_value_t = 8811)]
    port: u16,
    #[command(flatten)]
    catalogs: CatalogArgs,
    /// Memory limit of each server container, in MiB.
    #[arg(long, default_value_t = 1024)]
    container_memory_mb: i64,
    /// CPU limit of each server container, in cores.
    #[arg(long, default_value_t = 1.0)]
    container_cpus: f64,
    /// Process limit of each server container.
    #[arg(long, default_value_t = 512)]
    container_pids: i64,
    /// Seconds a server may take from container start to listing its tools.
    #[arg(long, default_value_t = 60)]
    start_timeout: u64,
    /// Seconds a missing image may take to pull.
    #[arg(long, default_value_t = 300)]
    pull_timeout: u64,
    /// Seconds without a call after which a server's container is stopped (0: never); its
    /// tools stay, and the next call starts it again.
    #[arg(long, default_value_t = 600)]
    idle_timeout: u64,
    /// Extra Host names to serve over HTTP (comma-separated; loopback names always pass), for
    /// container and VM deployments.
    #[arg(long, value_delimiter = ',', env = "SWITCHBOARD_ALLOWED_HOSTS")]
    allowed_hosts: Vec<String>,
    /// Over HTTP, give each MCP session a workspace of its own (seeded with its token's saved
    /// config), closed with its containers when the session ends; by default a token's
    /// sessions share one workspace.
    #[arg(long)]
    workspace_per_session: bool,
    /// Seconds an HTTP connection may take to send a request's headers, counted from when it
    /// opens or finished its previous request; slower (or idle) connections are closed.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// HTTP connections served at once; further ones wait until one closes.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// MCP sessions one token may hold open over HTTP; `initialize` beyond it gets 429.
    #[arg(long, default_value_t = 64)]
    max_sessions_per_token: usize,
    /// A catalog server every new workspace starts with (repeat for several), so clients get
    /// its tools from their first `tools/list`. One that cannot start (a missing secret, say)
    /// is left out and logged; the workspace works without it.
    #[arg(long = "server", value_name = "NAME")]
    servers: Vec<String>,
    /// Give each workspace only its own secrets (`secret set --workspace`), never the
    /// gateway-wide ones: for gateways shared by tenants.
    #[arg(long)]
    isolate_secrets: bool,
    /// Serve HTTP without tokens; refused unless `--host` is loopback.
    #[arg(long)]
    allow_unauthenticated: bool,
    /// The workspace a stdio session works in: which saved config it uses (see `config set
    /// --workspace`). Different projects can keep different settings.
    #[arg(long, default_value = "default")]
    workspace: String,
    /// Host path servers may mount read-write (repeat for several); other host paths are
    /// mounted read-only, and system or credential paths are always refused.
    #[arg(long = "allow-write", value_name = "PATH")]
    allow_write: Vec<std::path::PathBuf>,
    /// How mcp-find ranks: `hybrid` fuses the words with their meaning (a small embedding
    /// model inside the binary, loaded in the background after start-up); `lexical` uses the
    /// words only.
    #[arg(long, value_enum, default_value_t = SearchMode::Hybrid)]
    search: SearchMode,
    /// Where to write one JSON line per tool call, prompt get and resource read: a file, `-`
    /// for stderr, or `none`. By default `$SWITCHBOARD_HOME/logs/calls.jsonl`, which
    /// `switchboard logs` reads.
    #[arg(long, value_name = "PATH|-|none")]
    call_log: Option<String>,
    /// Keep each call's arguments and result in the call log, with secret values redacted.
    #[arg(long)]
    log_arguments: bool,
    /// Keep N (default 1) started and initialized instances of catalog server NAME ready,
    /// gateway-wide, so that `mcp-add` of it takes one instead of starting a container; repeat
    /// for several servers. Only container servers without secrets or required config; a
    /// workspace with config for the server starts its own.
    #[arg(long = "standby", value_name = "NAME[=N]", value_parser = parse_standby)]
    standby: Vec<crate::gateway::StandbyWant>,
    /// The most memory all standby instances may reserve together, in MiB: the sum of N ×
    /// `--container-memory-mb` over every `--standby` must fit.
    #[arg(long, default_value_t = 2048)]
    standby_memory_mb: i64,
    /// Seconds a server removed from a workspace keeps running for it (0: off), so that adding
    /// it again in that time is instant; its tools are withdrawn at once.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    keep_warm: u64,
}

/// `--standby NAME[=N]`, N at least 1.
fn parse_standby(value: &str) -> Result<crate::gateway::StandbyWant, String> {
    let (server, count) = match value.split_once('=') {
        Some((server, count)) => {
            let count: usize = count
                .parse()
                .map_err(|_| format!("`{count}` is not a number of instances"))?;
            (server, count)
        }
        None => (value, 1),
    };
    if server.is_empty() {
        return Err("give a catalog server's name, as in `--standby echo=2`".to_string());
    }
    if count == 0 {
        return Err("keep at least one instance, or leave the flag out".to_string());
    }
    Ok(crate::gateway::StandbyWant {
        server: server.to_string(),
        count,
    })
}

/// `--search`: how servers are ranked for a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SearchMode {
    Lexical,
    Hybrid,
}

impl From<SearchMode> for switchboard_index::Mode {
    fn from(mode: SearchMode) -> Self {
        match mode {
            SearchMode::Lexical => switchboard_index::Mode::Lexical,
            SearchMode::Hybrid => switchboard_index::Mode::Hybrid,
        }
    }
}

/// `--catalog` arguments shared by every command that reads catalogs.
#[derive(Debug, Clone, clap::Args)]
struct CatalogArgs {
    /// Catalog to use instead of the bundled one: a file, a directory of them, an `http(s)://`
    /// URL (cached for offline use), `docker` (Docker's published catalog) or `bundled`; in
    /// Docker's catalog format or the MCP Registry's (`server.json`, `/v0/servers` lists).
    /// Repeat to merge several by name (later ones win).
    #[arg(long = "catalog", value_name = "PATH|URL")]
    catalogs: Vec<String>,
}

impl CatalogArgs {
    /// The merged catalogs; URLs are fetched (or revalidated) with the cache under `home`.
    async fn load(
        &self,
        home: &crate::store::Home,
    ) -> Result<crate::catalog::Catalog, crate::catalog::Error> {
        let sources: Vec<Source> = self.catalogs.iter().map(|c| Source::parse(c)).collect();
        crate::catalog::load_sources(&sources, &home.catalog_cache()).await
    }
}

impl RunArgs {
    fn settings(&self) -> crate::gateway::Settings {
        crate::gateway::Settings {
            limits: crate::runtime::Limits {
                memory_bytes: self.container_memory_mb.saturating_mul(1 << 20),
                nano_cpus: (self.container_cpus * 1e9) as i64,
                pids: self.container_pids,
            },
            start_timeout: Duration::from_secs(self.start_timeout),
            pull_timeout: Duration::from_secs(self.pull_timeout),
            writable: self.allow_write.clone(),
            user_home: std::env::var_os("HOME").map(std::path::PathBuf::from),
            preload: self.servers.clone(),
            search: self.search.into(),
            call_log: self.call_log_target(),
            log_arguments: self.log_arguments,
            standby: self.standby.clone(),
            keep_warm: Duration::from_secs(self.keep_warm),
        }
    }

    /// Refuses `--standby` flags that cannot work with `catalog`: an unknown server, one that
    /// needs secrets or config, one named twice, or more memory than `--standby-memory-mb`.
    fn check_standby(&self, catalog: &crate::catalog::Catalog) -> Result<(), UsageError> {
        let mut seen = std::collections::HashSet::new();
        for want in &self.standby {
            if !seen.insert(want.server.as_str()) {
                return Err(UsageError(format!(
                    "--standby {0}: `{0}` is named twice; give it once, as `--standby {0}=N`",
                    want.server
                )));
            }
            crate::gateway::check_standby(catalog, want)
                .map_err(|refused| UsageError(format!("--standby {}: {refused}", want.server)))?;
        }
        let instances: usize = self.standby.iter().map(|w| w.count).sum();
        let needed = i64::try_from(instances)
            .unwrap_or(i64::MAX)
            .saturating_mul(self.container_memory_mb);
        if needed > self.standby_memory_mb {
            return Err(UsageError(format!(
                "--standby: {instances} standby instances of {} MiB each (--container-memory-mb) need {needed} MiB, more than --standby-memory-mb {}; keep fewer or raise the limit",
                self.container_memory_mb, self.standby_memory_mb
            )));
        }
        Ok(())
    }

    /// `--call-log`: the file, stderr, or nothing; the default file lives in the state dir.
    fn call_log_target(&self) -> crate::calllog::Target {
        match self.call_log.as_deref() {
            None => crate::calllog::Target::File(logs::default_file(&home())),
            Some("-") => crate::calllog::Target::Stderr,
            Some("none") => crate::calllog::Target::Off,
            Some(path) => crate::calllog::Target::File(path.into()),
        }
    }
}

/// The most bollard may log; see [`init_logging`].
const BOLLARD_CAP: &str = "bollard=info";

/// Logs go to stderr: on stdio, stdout is the MCP channel.
pub fn init_logging(args: &Args) {
    let default = match args.command {
        // rmcp logs every session, initialize and closed stream at info: per request under
        // HTTP load, and nothing an operator acts on. Its warnings still show.
        Command::Run(_) => "info,rmcp=warn",
        _ => "warn",
    };
    let filter = args.log.clone().unwrap_or_else(|| default.to_string());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
        // bollard logs every request body at debug, and a container's body holds its secrets:
        // whatever the user asks for, bollard says no more than info.
        .add_directive(BOLLARD_CAP.parse().expect("a constant, valid directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

/// Runs the parsed command.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Run(run) => run::run(run).await,
        Command::Catalog(command) => catalog::run(command, &home()).await,
        Command::Secret(command) => secret::run(command, &home()),
        Command::Config(command) => config::run(command, &home()).await,
        Command::Token(command) => token::run(command, &home()),
        Command::Health(command) => health::run(command).await,
        Command::Client(command) => client::run(command, &home()).await,
        Command::Doctor(command) => doctor::run(command, &home()).await,
        Command::Logs(command) => logs::run(command, &home()).await,
    }
}

/// `$SWITCHBOARD_HOME`, else `~/.config/switchboard`.
fn home() -> crate::store::Home {
    crate::store::Home::resolve(
        std::env::var("SWITCHBOARD_HOME").ok(),
        std::env::var("HOME").ok(),
    )
}

/// A command line that cannot work as given (exit code 64).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

/// 64 (EX_USAGE, as linkerd does) for bad input such as a malformed catalog, an invalid
/// config value or an unknown `--server`, else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let bad_input = error.chain().any(|e| {
        e.is::<crate::catalog::Error>()
            || e.is::<crate::catalog::SettingsError>()
            || e.is::<UsageError>()
    });
    if bad_input { 64 } else { 1 }
}
