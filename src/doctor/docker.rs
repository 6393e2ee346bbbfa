//! The Docker checks: is the daemon reachable (and which one), and are the images of the saved
//! servers present locally.

use std::collections::BTreeMap;

use crate::doctor::Check;
use crate::runtime::{DaemonVersion, DockerProbe, ProbeError};

const DOCKER: &str = "docker";
const IMAGE: &str = "image";

/// Where the daemon was looked for: the address and whether `DOCKER_HOST` named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DockerAddress {
    pub(crate) address: String,
    pub(crate) from_env: bool,
}

impl DockerAddress {
    /// `DOCKER_HOST` if set (and not empty), else the default socket.
    pub(crate) fn new(docker_host: Option<&str>) -> DockerAddress {
        match docker_host.filter(|h| !h.is_empty()) {
            Some(host) => DockerAddress {
                address: host.to_string(),
                from_env: true,
            },
            None => DockerAddress {
                address: crate::runtime::DEFAULT_DOCKER_HOST.to_string(),
                from_env: false,
            },
        }
    }

    fn described(&self) -> String {
        if self.from_env {
            format!("{} (DOCKER_HOST)", self.address)
        } else {
            format!("{} (the default socket)", self.address)
        }
    }
}

/// The finding for a probe of the daemon at `address`.
pub(crate) fn reachable(
    address: &DockerAddress,
    probe: &Result<DaemonVersion, ProbeError>,
) -> Check {
    let start = if address.from_env {
        "start dockerd (`sudo systemctl start docker`), or point DOCKER_HOST at a running daemon"
    } else {
        "start dockerd: `sudo systemctl start docker`"
    };
    match probe {
        Ok(version) => Check::ok(
            DOCKER,
            format!(
                "Docker {} (API {}) at {}",
                version.version,
                version.api_version,
                address.described()
            ),
        ),
        Err(ProbeError::PermissionDenied { path }) => Check::fail(
            DOCKER,
            format!("permission denied on {path}: this user may not use the Docker socket"),
            "add yourself to the docker group: `sudo usermod -aG docker $USER`, then log in again",
        ),
        Err(error @ (ProbeError::SocketMissing { .. } | ProbeError::NotListening { .. })) => {
            Check::fail(
                DOCKER,
                format!("Docker is not running at {}: {error}", address.described()),
                start,
            )
        }
        Err(error @ ProbeError::TimedOut { .. }) => Check::fail(
            DOCKER,
            format!("{error}; is a Docker daemon at {}?", address.described()),
            start,
        ),
        Err(error @ ProbeError::BadAddress { .. }) => Check::fail(
            DOCKER,
            crate::gateway::error_chain(error),
            format!(
                "set DOCKER_HOST to a `unix://` socket or `tcp://HOST:PORT` address, or unset it for {}",
                crate::runtime::DEFAULT_DOCKER_HOST
            ),
        ),
        Err(error @ ProbeError::Failed { .. }) => Check::fail(
            DOCKER,
            crate::gateway::error_chain(error),
            "look at the daemon's state: `docker info`, `sudo journalctl -u docker`",
        ),
    }
}

/// The finding when the images cannot be looked at (the daemon is unreachable).
pub(crate) fn images_skipped() -> Check {
    Check::warn(
        IMAGE,
        "images not checked: Docker is unreachable (see above)",
        None,
    )
}

/// Whether each image (with the servers that use it) is present locally.
pub(crate) async fn images(
    probe: &DockerProbe,
    images: &BTreeMap<String, Vec<String>>,
) -> Vec<Check> {
    if images.is_empty() {
        return vec![Check::ok(IMAGE, "no saved server runs an image")];
    }
    let lookups = images.iter().map(|(image, servers)| async move {
        let found = probe.image_present(image).await;
        let pullable = match found {
            Ok(false) => Some(probe.image_pullable(image).await),
            _ => None,
        };
        image_finding(image, servers, found, pullable)
    });
    futures::future::join_all(lookups).await
}

/// The finding for one image: present; missing but in its registry (pulled on the first
/// add); missing and not confirmed pullable (a warn: a private image may just need a login);
/// or not looked up.
fn image_finding(
    image: &str,
    servers: &[String],
    found: Result<bool, ProbeError>,
    pullable: Option<Result<(), String>>,
) -> Check {
    let users = servers.join(", ");
    match (found, pullable) {
        (Ok(true), _) => Check::ok(IMAGE, format!("{image} is present (for {users})")),
        (Ok(false), Some(Ok(()))) => Check::ok(
            IMAGE,
            format!(
                "{image} (for {users}) is not present locally but its registry has it: it will be pulled on first mcp-add"
            ),
        ),
        (Ok(false), reason) => Check::warn(
            IMAGE,
            format!(
                "{image} (for {users}) is not present locally and could not be confirmed pullable ({}): mcp-add will try to pull it",
                match reason {
                    Some(Err(reason)) => reason,
                    _ => "not asked".to_string(),
                }
            ),
            Some(format!("docker pull {image}")),
        ),
        (Err(error), _) => Check::warn(
            IMAGE,
            format!(
                "cannot look up {image} (for {users}): {}",
                crate::gateway::error_chain(&error)
            ),
            Some(format!("docker image inspect {image}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn each_failure_names_the_address_and_its_fix() {
        let default = DockerAddress::new(None);
        let from_env = DockerAddress::new(Some("tcp://127.0.0.1:9"));
        let up = reachable(
            &default,
            &Ok(DaemonVersion {
                version: "20.10.24".into(),
                api_version: "1.41".into(),
            }),
        );
        assert_eq!(up.status, Status::Ok);
        assert_eq!(
            up.message,
            "Docker 20.10.24 (API 1.41) at unix:///var/run/docker.sock (the default socket)"
        );
        let denied = reachable(
            &default,
            &Err(ProbeError::PermissionDenied {
                path: "/var/run/docker.sock".into(),
            }),
        );
        assert_eq!(denied.status, Status::Fail);
        assert!(
            denied
                .fix
                .unwrap()
                .contains("sudo usermod -aG docker $USER")
        );
        let refused = reachable(
            &from_env,
            &Err(ProbeError::NotListening {
                address: "tcp://127.0.0.1:9".into(),
            }),
        );
        assert_eq!(refused.status, Status::Fail);
        assert!(
            refused.message.contains("tcp://127.0.0.1:9 (DOCKER_HOST)"),
            "{}",
            refused.message
        );
        assert!(refused.fix.unwrap().contains("systemctl start docker"));
    }

    #[test]
    fn a_missing_image_is_ok_if_its_registry_has_it_else_a_warning_with_the_pull_command() {
        let servers = vec!["a".to_string(), "b".to_string()];
        let unreachable = Some(Err("no such host".to_string()));
        let missing = image_finding("x/y:1", &servers, Ok(false), unreachable);
        assert_eq!(missing.status, Status::Warn);
        assert!(
            missing.message.contains("(no such host)"),
            "{}",
            missing.message
        );
        assert!(missing.message.contains("for a, b"), "{}", missing.message);
        assert_eq!(missing.fix.as_deref(), Some("docker pull x/y:1"));
        let pullable = image_finding("x/y:1", &servers, Ok(false), Some(Ok(())));
        assert_eq!(pullable.status, Status::Ok);
        assert!(pullable.message.contains("will be pulled on first mcp-add"));
        assert_eq!(
            image_finding("x/y:1", &servers, Ok(true), None).status,
            Status::Ok
        );
    }
}
