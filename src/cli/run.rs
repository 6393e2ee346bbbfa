//! `switchboard run`: load the catalog, serve one MCP client, and clean up on the way out.

use anyhow::Context as _;
use rmcp::ServiceExt;

use crate::cli::{RunArgs, Transport};
use crate::gateway::{Gateway, Session, Workspace};
use crate::store::Secrets;

pub(super) async fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.transport == Transport::Http {
        anyhow::bail!(
            "--transport http ({}:{}) is not available in this version yet; use the default stdio transport",
            args.host,
            args.port
        );
    }
    let catalog = args.catalogs.load().context("loading catalogs")?;
    let home = super::home();
    tracing::info!(servers = catalog.len(), "catalog loaded");
    let gateway = Gateway::new(
        catalog,
        Secrets::new(Some(home.secrets()), std::env::vars()),
        args.settings(),
        home,
    )
    .context("building the search index")?;
    let sweeper = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.sweep_orphans().await }
    });
    // Stdio serves one client, in one workspace (`default` unless `--workspace` says otherwise),
    // whose saved config `switchboard config --workspace` edits.
    let workspace = Workspace::new(args.workspace.clone(), gateway.clone());
    let outcome = serve_stdio(workspace.clone()).await;
    sweeper.abort();
    workspace.shutdown().await;
    gateway.remove_all_containers().await;
    outcome
}

/// Serves until the client closes stdin or a SIGINT/SIGTERM arrives.
async fn serve_stdio(workspace: std::sync::Arc<Workspace>) -> anyhow::Result<()> {
    let service = match pipes() {
        Ok(pipes) => Session::new(workspace).serve(pipes).await,
        Err(_) => {
            Session::new(workspace)
                .serve(rmcp::transport::stdio())
                .await
        }
    }
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

/// Stdin and stdout as non-blocking pipes, when they are pipes (as MCP clients spawn us).
///
/// tokio's `stdin()`/`stdout()` hand every read and write to a blocking thread; on pipes, epoll
/// does the same without the hand-off, which is most of the gateway's own per-call latency.
fn pipes() -> std::io::Result<(
    tokio::net::unix::pipe::Receiver,
    tokio::net::unix::pipe::Sender,
)> {
    use std::os::fd::AsFd;
    let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
    let stdout = std::io::stdout().as_fd().try_clone_to_owned()?;
    Ok((
        tokio::net::unix::pipe::Receiver::from_owned_fd(stdin)?,
        tokio::net::unix::pipe::Sender::from_owned_fd(stdout)?,
    ))
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
