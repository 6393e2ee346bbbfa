//! `switchboard run`: load the catalog, serve MCP over stdio or HTTP, and clean up on the way
//! out.

use anyhow::Context as _;
use rmcp::ServiceExt;

use crate::cli::{RunArgs, Transport, banner};
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::gateway::{Gateway, Session, Workspace, WorkspaceSource, Workspaces};
use crate::http::{LiveTokens, is_loopback};
use crate::store::{Home, Secrets, TokenKind};

pub(super) async fn run(args: RunArgs) -> anyhow::Result<()> {
    let home = super::home();
    let catalog = args
        .catalogs
        .load(&home)
        .await
        .context("loading catalogs")?;
    tracing::info!(servers = catalog.len(), "catalog loaded");
    anyhow::ensure!(
        !args.workspace_per_session || args.transport == Transport::Http,
        "--workspace-per-session applies to `--transport http`; a stdio gateway serves one session"
    );
    // Checked before anything starts: a refused HTTP set-up must not leave work behind.
    let http = match args.transport {
        Transport::Http => Some(http_access(&args, &home)?),
        Transport::Stdio => None,
    };
    if let Some(unknown) = args.servers.iter().find(|n| catalog.get(n).is_none()) {
        return Err(super::UsageError(format!(
            "--server {unknown}: there is no server named `{unknown}` in the catalog; try `switchboard catalog search {unknown}`"
        ))
        .into());
    }
    args.check_standby(&catalog)?;
    let secrets =
        Secrets::new(Some(home.secrets()), std::env::vars()).isolated(args.isolate_secrets);
    let gateway = Gateway::new(catalog, secrets, args.settings(), home)
        .context("building the search index")?;
    let sweeper = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.sweep_orphans().await }
    });
    // In the background: the first `initialize` answer never waits for a standby instance.
    crate::gateway::Standby::fill(&gateway);
    // Over HTTP, clients of 2026-07-28 send no `initialized`: warm the search beside serving
    // (over stdio the first session's `initialized` does, after its `initialize` answer).
    if http.is_some() {
        gateway.warm_search();
    }
    let outcome = match http {
        Some(access) => serve_http(&args, gateway.clone(), access).await,
        None => {
            // Stdio serves one client, in one workspace (`default` unless `--workspace` says
            // otherwise), whose saved config `switchboard config --workspace` edits.
            let workspace = Workspace::new(args.workspace.clone(), gateway.clone());
            let sweeper = idle_sweeper(args.idle_timeout, {
                let workspace = workspace.clone();
                move |idle| {
                    let workspace = workspace.clone();
                    async move { workspace.stop_idle(idle).await }
                }
            });
            banner::print_if_terminal(&banner_facts(&args, &gateway, None));
            let outcome = serve_stdio(workspace.clone()).await;
            sweeper.abort();
            workspace.shutdown().await;
            outcome
        }
    };
    sweeper.abort();
    gateway.standby.close(&gateway).await;
    gateway.remove_all_containers().await;
    // The call log's last records, before the process ends.
    gateway.calls.flush(std::time::Duration::from_secs(2));
    outcome
}

/// What the first-run banner tells about this gateway.
fn banner_facts<'a>(
    args: &'a RunArgs,
    gateway: &'a Gateway,
    http: Option<String>,
) -> banner::Facts<'a> {
    banner::Facts {
        catalogs: &args.catalogs.catalogs,
        servers: gateway.catalog.catalog().len(),
        home: gateway.home.path(),
        call_log: match &gateway.settings.call_log {
            crate::calllog::Target::Off => None,
            crate::calllog::Target::Stderr => Some("stderr".to_string()),
            crate::calllog::Target::File(path) => Some(path.display().to_string()),
        },
        http,
    }
}

/// Who may call the HTTP endpoint. Refuses a non-loopback bind with no token at all; on
/// loopback, a first run creates the token `default` and prints it once.
fn http_access(args: &RunArgs, home: &Home) -> anyhow::Result<(Arc<LiveTokens>, bool)> {
    let loopback = is_loopback(&args.host);
    let store = home.tokens();
    let env_token = std::env::var("SWITCHBOARD_TOKEN").ok();
    let tokens = LiveTokens::load(store.clone(), env_token)?;
    if args.allow_unauthenticated {
        anyhow::ensure!(
            loopback,
            "--allow-unauthenticated is for loopback only; `--host {}` would expose every workspace to the network",
            args.host
        );
        tracing::warn!("serving /mcp without authentication (loopback only)");
        return Ok((Arc::new(tokens), true));
    }
    let has_workspace_token = tokens
        .current()
        .grants()
        .any(|g| g.kind == TokenKind::Workspace);
    if !has_workspace_token {
        anyhow::ensure!(
            loopback,
            "refusing to serve `--host {}` without a token: create one with `switchboard token create NAME` or set SWITCHBOARD_TOKEN",
            args.host
        );
        let token = store.create("default", TokenKind::Workspace)?;
        eprintln!("switchboard: created token `default` (shown once): {token}");
    }
    Ok((Arc::new(tokens), false))
}

/// Serves HTTP until SIGINT/SIGTERM, then stops every workspace's servers.
async fn serve_http(
    args: &RunArgs,
    gateway: Arc<Gateway>,
    (tokens, anonymous): (Arc<LiveTokens>, bool),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let address = listener.local_addr().context("reading the bound address")?;
    // Printed whatever the log level: scripts and tests read the address from this line.
    eprintln!("switchboard: listening on http://{address}/mcp");
    let url = format!("http://{address}/mcp");
    banner::print_if_terminal(&banner_facts(args, &gateway, Some(url)));
    let workspaces = Workspaces::new(gateway);
    let sweeper = idle_sweeper(args.idle_timeout, {
        let workspaces = workspaces.clone();
        move |idle| {
            let workspaces = workspaces.clone();
            async move { workspaces.stop_idle(idle).await }
        }
    });
    let shutdown = CancellationToken::new();
    let options = crate::http::Options {
        tokens,
        anonymous,
        allowed_hosts: args.allowed_hosts.clone(),
        workspace_per_session: args.workspace_per_session,
        // Sessions end after the idle timeout too, so a per-session workspace lives as long as
        // its servers would (rmcp's own default is five minutes).
        session_idle: (args.idle_timeout > 0)
            .then(|| std::time::Duration::from_secs(args.idle_timeout)),
        max_sessions_per_token: args.max_sessions_per_token,
    };
    let (router, tenants) = crate::http::app(workspaces.clone(), options, shutdown.clone());
    // The `default` token a first run just created is read here too.
    tenants.refresh(true).await;
    let watcher = tenants.clone().watch(shutdown.clone());
    let signals = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            let signal = shutdown_signal().await;
            tracing::info!(signal, "shutting down");
            shutdown.cancel();
        }
    });
    let limits = crate::http::Limits {
        header_timeout: std::time::Duration::from_secs(args.header_timeout.max(1)),
        max_connections: args.max_connections,
    };
    let metrics = workspaces.gateway().metrics.clone();
    let outcome = crate::http::serve(listener, router, limits, metrics, shutdown)
        .await
        .context("serving HTTP");
    signals.abort();
    sweeper.abort();
    watcher.abort();
    workspaces.shutdown().await;
    outcome
}

/// Every so often (a quarter of the timeout, at most 30 s) stops servers idle for
/// `idle_seconds`; zero disables it.
fn idle_sweeper<F, Fut>(idle_seconds: u64, stop_idle: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(std::time::Duration) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = usize> + Send,
{
    tokio::spawn(async move {
        if idle_seconds == 0 {
            return;
        }
        let idle = std::time::Duration::from_secs(idle_seconds);
        let every = (idle / 4).clamp(
            std::time::Duration::from_millis(250),
            std::time::Duration::from_secs(30),
        );
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            stop_idle(idle).await;
        }
    })
}

/// Serves until the client closes stdin or a SIGINT/SIGTERM arrives.
async fn serve_stdio(workspace: Arc<Workspace>) -> anyhow::Result<()> {
    let session = Session::new(WorkspaceSource::Fixed(workspace));
    // Non-blocking pipes when stdin and stdout both are pipes (as MCP clients spawn us): epoll
    // instead of a blocking thread per read and write, which is most of the gateway's own
    // per-call latency. rmcp reopens them through /proc, so O_NONBLOCK stays off the process's
    // own descriptors, and falls back to blocking I/O for files, terminals and /dev/null.
    let service = session
        .serve(rmcp::transport::stdio_pipes())
        .await
        .context("MCP initialization over stdio failed")?;
    tracing::info!("serving MCP on stdio");
    let cancel = service.cancellation_token();
    tokio::select! {
        quit = service.waiting() => {
            tracing::info!(reason = ?quit.ok(), "client disconnected");
        }
        signal = shutdown_signal() => {
            tracing::info!(signal, "shutting down");
            cancel.cancel();
        }
    }
    Ok(())
}

async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers; stop the gateway by closing stdin");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    }
}
