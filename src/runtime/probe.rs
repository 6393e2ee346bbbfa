//! A quick look at the Docker daemon for `switchboard doctor`: is it reachable at the address
//! given, which version it runs, and whether images are present. Every call is bounded by a
//! short timeout, and failures are classified by what the user can do about them. Only plain
//! types leave this file.

use std::path::Path;
use std::time::Duration;

/// The address used when `DOCKER_HOST` is not set.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// What the daemon says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonVersion {
    /// The engine's version, e.g. `20.10.24`.
    pub version: String,
    /// The newest Engine API version the daemon speaks, e.g. `1.41`.
    pub api_version: String,
}

/// Why the daemon could not be reached, by what fixes it.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// A `unix://` address whose socket file does not exist: no daemon, or the wrong path.
    #[error("no socket at {path}")]
    SocketMissing { path: String },
    /// The socket exists but this user may not open it.
    #[error("permission denied on {path}")]
    PermissionDenied { path: String },
    /// Nothing accepts connections at the address.
    #[error("nothing listens at {address} (connection refused)")]
    NotListening { address: String },
    /// No answer within the time allowed.
    #[error("no answer from {address} within {} s", .after.as_secs_f32())]
    TimedOut { address: String, after: Duration },
    /// An address this build cannot connect to (`ssh://`, `https://`, a typo).
    #[error("cannot use the address {address}")]
    BadAddress {
        address: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The daemon was reached but the request failed.
    #[error("the daemon at {address} answered with an error")]
    Failed {
        address: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A connection to the daemon that answered a probe; used to look up images.
#[derive(Debug, Clone)]
pub struct DockerProbe {
    client: bollard::Docker,
    address: String,
    timeout: Duration,
}

impl DockerProbe {
    /// Connects to `address` (a `DOCKER_HOST` value; `None` means [`DEFAULT_DOCKER_HOST`]) and
    /// asks for the daemon's version, giving up after `timeout`.
    pub async fn connect(
        address: Option<&str>,
        timeout: Duration,
    ) -> Result<(DockerProbe, DaemonVersion), ProbeError> {
        let address = address
            .filter(|a| !a.is_empty())
            .unwrap_or(DEFAULT_DOCKER_HOST)
            .to_string();
        match tokio::time::timeout(timeout, connect(&address, timeout)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ProbeError::TimedOut {
                address,
                after: timeout,
            }),
        }
    }

    /// The address this probe connected to.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether `image` is present locally (a missing image is pulled on first start).
    pub async fn image_present(&self, image: &str) -> Result<bool, ProbeError> {
        let lookup = self.client.inspect_image(image);
        match tokio::time::timeout(self.timeout, lookup).await {
            Ok(Ok(_)) => Ok(true),
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            })) => Ok(false),
            Ok(Err(source)) => Err(ProbeError::Failed {
                address: self.address.clone(),
                source: Box::new(source),
            }),
            Err(_) => Err(ProbeError::TimedOut {
                address: self.address.clone(),
                after: self.timeout,
            }),
        }
    }

    /// Whether the daemon finds `image`'s manifest in its registry, without pulling it (the
    /// Engine API's distribution inspect); `Err` is why not, in the daemon's words.
    pub async fn image_pullable(&self, image: &str) -> Result<(), String> {
        let lookup = self.client.inspect_registry_image(image, None);
        match tokio::time::timeout(self.timeout, lookup).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(bollard::errors::Error::DockerResponseServerError { message, .. })) => {
                Err(message)
            }
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!(
                "its registry gave no answer within {} s",
                self.timeout.as_secs()
            )),
        }
    }
}

async fn connect(
    address: &str,
    timeout: Duration,
) -> Result<(DockerProbe, DaemonVersion), ProbeError> {
    // Opening the socket (or TCP connection) ourselves first tells the common failures apart
    // precisely; bollard's errors wrap them several layers deep.
    reach(address).await?;
    let failed = |source: bollard::errors::Error| ProbeError::Failed {
        address: address.to_string(),
        source: Box::new(source),
    };
    let client = bollard::Docker::connect_with_host(address)
        .map_err(|source| ProbeError::BadAddress {
            address: address.to_string(),
            source: Box::new(source),
        })?
        .with_timeout(timeout)
        // bollard speaks a newer API than many installed daemons.
        .negotiate_version()
        .await
        .map_err(failed)?;
    let version = client.version().await.map_err(failed)?;
    let unknown = || "unknown".to_string();
    let version = DaemonVersion {
        version: version.version.unwrap_or_else(unknown),
        api_version: version.api_version.unwrap_or_else(unknown),
    };
    let probe = DockerProbe {
        client,
        address: address.to_string(),
        timeout,
    };
    Ok((probe, version))
}

/// Opens (and closes) a connection to `address`, for the schemes we can check by hand.
async fn reach(address: &str) -> Result<(), ProbeError> {
    if let Some(path) = address.strip_prefix("unix://") {
        if !Path::new(path).exists() {
            return Err(ProbeError::SocketMissing {
                path: path.to_string(),
            });
        }
        return tokio::net::UnixStream::connect(path)
            .await
            .map(drop)
            .map_err(|error| classify(address, path, error));
    }
    if let Some(authority) = address
        .strip_prefix("tcp://")
        .or_else(|| address.strip_prefix("http://"))
    {
        let authority = authority.split('/').next().unwrap_or(authority);
        return tokio::net::TcpStream::connect(authority)
            .await
            .map(drop)
            .map_err(|error| classify(address, authority, error));
    }
    Ok(())
}

/// An I/O error from connecting to `address` (whose socket path or host is `target`).
fn classify(address: &str, target: &str, error: std::io::Error) -> ProbeError {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => ProbeError::PermissionDenied {
            path: target.to_string(),
        },
        std::io::ErrorKind::NotFound => ProbeError::SocketMissing {
            path: target.to_string(),
        },
        std::io::ErrorKind::ConnectionRefused => ProbeError::NotListening {
            address: address.to_string(),
        },
        _ => ProbeError::BadAddress {
            address: address.to_string(),
            source: Box::new(error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_are_told_apart() {
        let kind = |kind: std::io::ErrorKind| classify("unix:///s", "/s", kind.into());
        assert!(matches!(
            kind(std::io::ErrorKind::PermissionDenied),
            ProbeError::PermissionDenied { path } if path == "/s"
        ));
        assert!(matches!(
            kind(std::io::ErrorKind::ConnectionRefused),
            ProbeError::NotListening { address } if address == "unix:///s"
        ));
        assert!(matches!(
            kind(std::io::ErrorKind::NotFound),
            ProbeError::SocketMissing { .. }
        ));
        assert!(matches!(
            kind(std::io::ErrorKind::AddrNotAvailable),
            ProbeError::BadAddress { .. }
        ));
    }

    #[tokio::test]
    async fn a_missing_socket_and_a_closed_port_fail_fast() {
        let timeout = Duration::from_secs(3);
        let missing = DockerProbe::connect(Some("unix:///nonexistent.sock"), timeout).await;
        assert!(matches!(missing, Err(ProbeError::SocketMissing { .. })));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let closed = DockerProbe::connect(Some(&format!("tcp://127.0.0.1:{port}")), timeout).await;
        assert!(
            matches!(closed, Err(ProbeError::NotListening { .. })),
            "{closed:?}"
        );
        let bad = DockerProbe::connect(Some("gopher://x"), timeout).await;
        assert!(matches!(bad, Err(ProbeError::BadAddress { .. })), "{bad:?}");
    }
}
