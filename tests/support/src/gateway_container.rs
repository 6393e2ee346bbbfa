//! The gateway image run the way `compose.yaml` runs it: non-root, read-only, no capabilities,
//! the host's Docker socket mounted, port 8811 published on a random loopback port.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use anyhow::Context as _;
use bollard::models::{ContainerCreateBody, HealthConfig, HostConfig, PortBinding};
use bollard::query_parameters::{
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use futures::StreamExt;

const SOCKET: &str = "/var/run/docker.sock";

/// A running gateway container; removed (with its anonymous state volume) on drop.
#[derive(Debug)]
pub struct GatewayContainer {
    pub id: String,
    /// `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    /// Its host name, which the containers it starts carry in their `io.switchboard.gateway`.
    pub hostname: String,
}

impl GatewayContainer {
    /// Starts `image` with `cmd` (after the image's entrypoint), `env` and read-only `binds`;
    /// the image's health check runs every 500 ms instead of its own interval.
    pub async fn start(
        image: &str,
        cmd: &[&str],
        env: &[String],
        binds: &[String],
    ) -> anyhow::Result<GatewayContainer> {
        let docker = crate::docker().await?;
        let socket_group = std::fs::metadata(SOCKET)
            .with_context(|| format!("reading {SOCKET}"))?
            .gid();
        let mut all_binds = vec![format!("{SOCKET}:{SOCKET}")];
        all_binds.extend(binds.iter().cloned());
        let host_config = HostConfig {
            binds: Some(all_binds),
            group_add: Some(vec![socket_group.to_string()]),
            port_bindings: Some(HashMap::from([(
                "8811/tcp".to_string(),
                Some(vec![PortBinding {
                    host_ip: Some("127.0.0.1".to_string()),
                    host_port: Some(String::new()),
                }]),
            )])),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".to_string()]),
            security_opt: Some(vec!["no-new-privileges:true".to_string()]),
            ..HostConfig::default()
        };
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            env: Some(env.to_vec()),
            // No `test`: the daemon keeps the image's command and only changes the timing.
            healthcheck: Some(HealthConfig {
                interval: Some(500_000_000),
                timeout: Some(5_000_000_000),
                retries: Some(3),
                ..HealthConfig::default()
            }),
            host_config: Some(host_config),
            ..ContainerCreateBody::default()
        };
        let created = docker
            .create_container(None, body)
            .await
            .context("creating the gateway container")?;
        let id = created.id;
        docker
            .start_container(&id, None)
            .await
            .context("starting the gateway container")?;
        let inspect = docker.inspect_container(&id, None).await?;
        let port = inspect
            .network_settings
            .and_then(|n| n.ports)
            .and_then(|p| p.get("8811/tcp").cloned().flatten())
            .and_then(|b| b.first().and_then(|b| b.host_port.clone()))
            .context("the gateway container's published port")?;
        let hostname = inspect
            .config
            .and_then(|c| c.hostname)
            .context("the gateway container's host name")?;
        Ok(GatewayContainer {
            id,
            url: format!("http://127.0.0.1:{port}/mcp"),
            hostname,
        })
    }

    /// `starting`, `healthy` or `unhealthy`, as Docker judges it with the image's health check.
    pub async fn health(&self) -> anyhow::Result<String> {
        let docker = crate::docker().await?;
        let inspect = docker.inspect_container(&self.id, None).await?;
        let status = inspect
            .state
            .and_then(|s| s.health)
            .and_then(|h| h.status)
            .context("the image defines no health check")?;
        Ok(status.to_string())
    }

    /// The user the image runs as.
    pub async fn user(&self) -> anyhow::Result<String> {
        let docker = crate::docker().await?;
        let inspect = docker.inspect_container(&self.id, None).await?;
        Ok(inspect.config.and_then(|c| c.user).unwrap_or_default())
    }

    /// Waits until Docker reports `healthy`; the error carries the gateway's log.
    pub async fn wait_healthy(&self, limit: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let health = self.health().await?;
            if health == "healthy" {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!(
                    "still {health} after {limit:?}; log:\n{}",
                    self.logs().await
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops it as `docker stop` does (SIGTERM, then SIGKILL after 20 s); returns its exit code.
    pub async fn stop(&self) -> anyhow::Result<i64> {
        let docker = crate::docker().await?;
        let options = StopContainerOptionsBuilder::default().t(20).build();
        docker.stop_container(&self.id, Some(options)).await?;
        let inspect = docker.inspect_container(&self.id, None).await?;
        Ok(inspect.state.and_then(|s| s.exit_code).unwrap_or(-1))
    }

    /// Its stdout and stderr so far.
    pub async fn logs(&self) -> String {
        let Ok(docker) = crate::docker().await else {
            return String::from("(docker unavailable)");
        };
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .build();
        let mut logs = docker.logs(&self.id, Some(options));
        let mut text = String::new();
        while let Some(Ok(chunk)) = logs.next().await {
            text.push_str(&chunk.to_string());
        }
        text
    }
}

impl Drop for GatewayContainer {
    fn drop(&mut self) {
        let id = self.id.clone();
        let hostname = self.hostname.clone();
        let _ = crate::block_on(async move {
            let docker = crate::docker().await?;
            let options = RemoveContainerOptionsBuilder::default()
                .force(true)
                .v(true)
                .build();
            let _ = docker.remove_container(&id, Some(options.clone())).await;
            // The safety net for a test that failed before the gateway cleaned up.
            for (server, labels) in crate::managed_containers().await? {
                let owner = labels.get("io.switchboard.gateway").map(String::as_str);
                if owner.is_some_and(|o| o.starts_with(&format!("{hostname}:"))) {
                    let _ = docker
                        .remove_container(&server, Some(options.clone()))
                        .await;
                }
            }
            anyhow::Ok(())
        });
    }
}
