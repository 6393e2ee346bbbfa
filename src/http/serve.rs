//! The HTTP server loop, written out (rather than `axum::serve`) for what a shared gateway needs:
//! `TCP_NODELAY` on every connection, a deadline on request headers, and a cap on open
//! connections, so that neither a slow client nor a flood of them can starve the others.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How much any one client may hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A connection must send a complete request head this soon after it opens, and after each
    /// response it keeps alive; otherwise it is closed.
    pub header_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// How long open connections get to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets open requests finish
/// (for at most [`DRAIN`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    metrics: Arc<crate::metrics::Metrics>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let connections = TaskTracker::new();
    let bursts = Arc::new(crate::heap::Bursts::default());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    loop {
        // A permit first: at the cap, connections stay in the kernel's backlog instead of
        // being accepted and then starved.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // Replies often go out in two writes (an SSE priming event, then the result); with
        // Nagle's algorithm the second waits for the client's delayed ACK, 40 ms on Linux.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(error = %error, "cannot set TCP_NODELAY");
        }
        let connection = http.serve_connection(TokioIo::new(stream), service(router.clone(), peer));
        let shutdown = shutdown.clone();
        let counted = metrics.connection_opened();
        let bursts = bursts.clone();
        bursts.opened();
        connections.spawn(async move {
            let _held = (permit, counted);
            let mut connection = std::pin::pin!(connection);
            let outcome = tokio::select! {
                outcome = connection.as_mut() => outcome,
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = outcome {
                tracing::debug!(%peer, error = %error, "connection ended with an error");
            }
            bursts.closed();
        });
    }
    connections.close();
    if tokio::time::timeout(DRAIN, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the drain period; closing them"
        );
    }
    Ok(())
}

/// The router as a hyper service for one connection, with the peer address that
/// `ConnectInfo` extractors and the auth log read.
fn service(
    router: Router,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let mut router = router.clone();
        tower_service::Service::call(&mut router, request)
    })
}

/// Accept errors are about one connection (reset before accept) or about resources (out of file
/// descriptors); in the second case, back off a little so the loop does not spin.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted
    ) {
        return;
    }
    tracing::warn!(error = %error, "accepting a connection failed; retrying shortly");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
