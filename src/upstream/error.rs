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
    /// The server answered with a JSON-RPC error or an unexpected message.
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
