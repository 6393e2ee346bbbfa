//! Upstream failures, each naming the server, so callers never match on rmcp's strings.

use crate::catalog::ServerName;

/// Why talking to an upstream server failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Its container could not be started.
    #[error("could not start `{server}`")]
    Runtime {
        server: ServerName,
        #[source]
        source: crate::runtime::Error,
    },
    /// A remote server could not be reached, refused us, or failed the handshake.
    #[error("could not connect to `{server}` at {url}: {reason}")]
    Unreachable {
        server: ServerName,
        url: String,
        reason: String,
    },
    /// The server's process ended before or while answering `initialize`.
    #[error("`{server}` exited during start-up{}", stderr_suffix(.stderr))]
    ExitedDuringStart { server: ServerName, stderr: String },
    /// The server did not answer `initialize` or `tools/list` in time.
    #[error("`{server}` did not finish start-up within {seconds} s")]
    StartTimeout { server: ServerName, seconds: u64 },
    /// The server answered start-up with something that is not MCP.
    #[error("`{server}` failed the MCP handshake: {reason}")]
    Handshake { server: ServerName, reason: String },
    /// The connection closed during a call: the server crashed or was stopped.
    #[error("`{server}` stopped while handling the call{}", stderr_suffix(.stderr))]
    Closed { server: ServerName, stderr: String },
    /// The server answered with a JSON-RPC error, passed on to the client as it is.
    #[error("`{server}` rejected the request: {}", error.message)]
    Rejected {
        server: ServerName,
        error: rmcp::ErrorData,
    },
    /// The server answered with something the request does not allow.
    #[error("`{server}` rejected the request: {reason}")]
    Protocol { server: ServerName, reason: String },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!("; its last output was:\n{stderr}")
    }
}

/// The innermost error's message: rmcp wraps transport failures in layers that name its own
/// types ("Transport [WorkerTransport<...>] error: ..."), while the cause is what a user acts on
/// ("Connection refused", "HTTP 401 Unauthorized").
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    type HttpError = rmcp::transport::streamable_http_client::StreamableHttpError<reqwest::Error>;
    let mut cause = error;
    loop {
        // rmcp's HTTP error does not mark the client error as its source either.
        if let Some(HttpError::Client(client)) = cause.downcast_ref::<HttpError>() {
            cause = client;
        }
        match cause.source() {
            Some(source) => cause = source,
            None => return cause.to_string(),
        }
    }
}
