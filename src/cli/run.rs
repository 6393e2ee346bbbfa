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
    tracing::info!(servers = catalog.len(), "catalog loaded");
    let gateway = Gateway::new(
        catalog,
        Secrets::from_env(std::env::vars()),
        args.settings(),
    )
    .context("building the search index")?;
    let sweeper = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.sweep_orphans().await }
    });
    let workspace = Workspace::new("stdio", gateway.clone());
    let outcome = serve_stdio(workspace.clone()).await;
    sweeper.abort();
    workspace.shutdown().await;
    gateway.remove_all_containers().await;
    outcome
}

/// Serves until the client closes stdin or a SIGINT/SIGTERM arrives.
async fn serve_stdio(workspace: std::sync::Arc<Workspace>) -> anyhow::Result<()> {
    let service = Session::new(workspace)
        .serve(rmcp::transport::stdio())
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
