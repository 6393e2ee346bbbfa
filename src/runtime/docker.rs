//! Server containers through the Docker Engine API: pull when missing (`pull.rs`), create
//! hardened, attach stdio, start, remove.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions, WaitContainerOptionsBuilder,
};
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::runtime::pull::Pulls;
use crate::runtime::spec::{GATEWAY_LABEL, MANAGED_LABEL, labels};
use crate::runtime::{ContainerSpec, Error, GatewayId, NoSteps, Step, Steps};

/// How many stderr lines of a server are kept to explain its death.
const STDERR_TAIL_LINES: usize = 20;
/// How long to wait for the daemon to finish an auto-removal already under way.
const REMOVAL_WAIT: Duration = Duration::from_secs(10);

/// A handle on the Docker daemon, labelled with this gateway's identity.
#[derive(Debug, Clone)]
pub struct Docker {
    client: bollard::Docker,
    gateway: GatewayId,
    pull_timeout: Duration,
    /// Pulls under way, shared by every clone so that an image is pulled once.
    pulls: Arc<Pulls>,
}

/// A started container: its id and its stdio, ready for an MCP client.
pub struct Running {
    pub id: String,
    pub stdout: Pin<Box<dyn AsyncRead + Send>>,
    pub stdin: Pin<Box<dyn AsyncWrite + Send>>,
    pub stderr: StderrTail,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The last lines a server wrote to stderr, to say why it died.
#[derive(Debug, Clone, Default)]
pub struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    fn push(&self, line: String) {
        // A poisoned lock only means another pusher panicked; the lines are still usable.
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == STDERR_TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The kept lines, oldest first, joined by newlines, with every value in `secrets`
    /// replaced: a server may print its own credentials, and this text reaches the model.
    pub fn text(&self, secrets: &[String]) -> String {
        let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let text = lines
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        crate::store::redact(&text, secrets)
    }
}

impl Docker {
    /// Connects to the daemon named by `DOCKER_HOST` (default: the local socket) and agrees on
    /// an API version, since bollard speaks a newer one than many installed daemons.
    pub async fn connect(gateway: GatewayId, pull_timeout: Duration) -> Result<Docker, Error> {
        let client = bollard::Docker::connect_with_defaults()
            .map_err(|source| Error::DaemonUnreachable { source })?;
        let client = client
            .negotiate_version()
            .await
            .map_err(|source| Error::DaemonUnreachable { source })?;
        Ok(Docker {
            client,
            gateway,
            pull_timeout,
            pulls: Arc::default(),
        })
    }

    pub fn gateway(&self) -> &GatewayId {
        &self.gateway
    }

    /// Starts the server container with the hardened defaults and returns its attached stdio.
    /// On any failure, nothing is left behind.
    pub async fn start(&self, spec: &ContainerSpec) -> Result<Running, Error> {
        self.start_with(spec, &NoSteps).await
    }

    /// As [`Docker::start`], telling `steps` of the pull (if the image is missing), the
    /// create and the start as each begins.
    pub async fn start_with(
        &self,
        spec: &ContainerSpec,
        steps: &dyn Steps,
    ) -> Result<Running, Error> {
        self.ensure_image(&spec.image, steps).await?;
        let name = container_name(&spec.server);
        let start_error = |source| Error::Start {
            image: spec.image.clone(),
            source,
        };
        steps.step(Step::Creating);
        let options = CreateContainerOptionsBuilder::default().name(&name).build();
        let id = self
            .client
            .create_container(Some(options), self.create_body(spec))
            .await
            .map_err(start_error)?
            .id;
        steps.step(Step::Starting);
        match self.attach_and_start(&id, &spec.server).await {
            Ok(running) => {
                tracing::info!(server = %spec.server, container = %short(&id), "container started");
                Ok(running)
            }
            Err(source) => {
                self.remove(&id).await;
                Err(start_error(source))
            }
        }
    }

    fn create_body(&self, spec: &ContainerSpec) -> ContainerCreateBody {
        let host_config = HostConfig {
            // Removed by the daemon as soon as it exits, even if this gateway is killed.
            auto_remove: Some(true),
            init: Some(true),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_string(),
                "rw,nosuid,nodev,size=64m".to_string(),
            )])),
            cap_drop: Some(vec!["ALL".to_string()]),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            memory: Some(spec.limits.memory_bytes),
            nano_cpus: Some(spec.limits.nano_cpus),
            pids_limit: Some(spec.limits.pids),
            network_mode: Some(
                if spec.disable_network {
                    "none"
                } else {
                    "bridge"
                }
                .to_string(),
            ),
            binds: (!spec.mounts.is_empty())
                .then(|| spec.mounts.iter().map(|m| m.to_docker()).collect()),
            ..Default::default()
        };
        ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: (!spec.command.is_empty()).then(|| spec.command.clone()),
            env: Some(spec.env.iter().map(|v| v.to_docker()).collect()),
            user: spec.user.clone().filter(|u| !u.is_empty()),
            labels: Some(labels(spec, &self.gateway)),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            open_stdin: Some(true),
            // The server sees EOF on stdin when the gateway lets go, and exits.
            stdin_once: Some(true),
            // Without a TTY the daemon keeps stdout and stderr apart, and `\n` stays `\n`.
            tty: Some(false),
            host_config: Some(host_config),
            ..Default::default()
        }
    }

    /// Attaches before starting so that no early output is lost.
    async fn attach_and_start(
        &self,
        id: &str,
        server: &str,
    ) -> Result<Running, bollard::errors::Error> {
        let options = AttachContainerOptionsBuilder::default()
            .stdin(true)
            .stdout(true)
            .stderr(true)
            .stream(true)
            .build();
        let attach = self.client.attach_container(id, Some(options)).await?;
        self.client
            .start_container(id, None::<StartContainerOptions>)
            .await?;
        let stderr = StderrTail::default();
        let tail = stderr.clone();
        let server = server.to_string();
        let stdout = attach.output.filter_map(move |message| {
            let out = match message {
                Ok(LogOutput::StdOut { message }) => Some(Ok(message)),
                Ok(LogOutput::StdErr { message }) => {
                    for line in String::from_utf8_lossy(&message).lines() {
                        tracing::debug!(server = %server, line, "server stderr");
                        tail.push(line.to_string());
                    }
                    None
                }
                Ok(_) => None,
                Err(e) => Some(Err(std::io::Error::other(e))),
            };
            std::future::ready(out)
        });
        Ok(Running {
            id: id.to_string(),
            stdout: Box::pin(tokio_util::io::StreamReader::new(Box::pin(stdout))),
            stdin: attach.input,
            stderr,
        })
    }

    /// Pulls `image` if the daemon does not have it (once, however many starts wait for it),
    /// with its progress told to `steps` and the log.
    async fn ensure_image(&self, image: &str, steps: &dyn Steps) -> Result<(), Error> {
        match self.client.inspect_image(image).await {
            Ok(_) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.pulls
                    .pull(&self.client, image, self.pull_timeout, steps)
                    .await
            }
            Err(source) => Err(Error::Api {
                operation: "inspect image",
                source,
            }),
        }
    }

    /// Force-removes a container and returns once it is gone; a container already gone counts
    /// as removed.
    pub async fn remove(&self, id: &str) {
        let options = RemoveContainerOptionsBuilder::default().force(true).build();
        match self.client.remove_container(id, Some(options)).await {
            Ok(()) => tracing::info!(container = %short(id), "container removed"),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            // 409: the daemon is already removing it (auto-remove after exit); wait for that.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => {
                let options = WaitContainerOptionsBuilder::default()
                    .condition("removed")
                    .build();
                let wait = self
                    .client
                    .wait_container(id, Some(options))
                    .collect::<Vec<_>>();
                if tokio::time::timeout(REMOVAL_WAIT, wait).await.is_err() {
                    tracing::warn!(container = %short(id), "container still being removed by the daemon");
                }
            }
            Err(error) => {
                tracing::warn!(container = %short(id), error = %error, "removing container failed")
            }
        }
    }

    /// Removes every container this gateway started; used at shutdown.
    pub async fn remove_all_mine(&self) -> usize {
        let mine = self.managed(Some(&self.gateway.to_string())).await;
        let count = mine.len();
        futures::future::join_all(mine.iter().map(|(id, _)| self.remove(id))).await;
        count
    }

    /// Removes managed containers whose gateway is known to be gone.
    pub async fn sweep_orphans(&self) -> usize {
        let orphans: Vec<String> = self
            .managed(None)
            .await
            .into_iter()
            .filter(|(_, owner)| GatewayId::parse(owner).is_none_or(|g| g.is_gone()))
            .map(|(id, _)| id)
            .collect();
        futures::future::join_all(orphans.iter().map(|id| self.remove(id))).await;
        if !orphans.is_empty() {
            tracing::info!(
                count = orphans.len(),
                "removed containers left by a gateway that is gone"
            );
        }
        orphans.len()
    }

    /// `(id, gateway label)` of managed containers, optionally of one gateway only.
    async fn managed(&self, gateway: Option<&str>) -> Vec<(String, String)> {
        let mut label_filters = vec![format!("{MANAGED_LABEL}=true")];
        if let Some(gateway) = gateway {
            label_filters.push(format!("{GATEWAY_LABEL}={gateway}"));
        }
        let filters = HashMap::from([("label", label_filters)]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        match self.client.list_containers(Some(options)).await {
            Ok(list) => list
                .into_iter()
                .filter_map(|c| {
                    let owner = c
                        .labels
                        .and_then(|mut l| l.remove(GATEWAY_LABEL))
                        .unwrap_or_default();
                    Some((c.id?, owner))
                })
                .collect(),
            Err(error) => {
                tracing::warn!(error = %error, "listing managed containers failed");
                Vec::new()
            }
        }
    }
}

/// A readable, unique container name: `switchboard-<server>-<suffix>`.
fn container_name(server: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let safe: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("switchboard-{safe}-{}-{n}-{nanos:x}", std::process::id())
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
