//! The Docker runtime as the gateway holds it: connected to the daemon on first use (so search
//! and everything else works without Docker), a failed connection tried again on the next start.

use std::time::Duration;

use futures::FutureExt as _;
use futures::future::BoxFuture;
use tokio::sync::OnceCell;

use crate::runtime::{ContainerSpec, Docker, Error, GatewayId, Running, Runtime, Steps};

/// [`Runtime`] over the Docker Engine API.
#[derive(Debug)]
pub struct DockerRuntime {
    gateway: GatewayId,
    pull_timeout: Duration,
    docker: OnceCell<Docker>,
}

impl DockerRuntime {
    /// A runtime labelling its containers with `gateway`; nothing is connected yet.
    pub fn new(gateway: GatewayId, pull_timeout: Duration) -> DockerRuntime {
        DockerRuntime {
            gateway,
            pull_timeout,
            docker: OnceCell::new(),
        }
    }

    /// The daemon connection, made on first use.
    async fn docker(&self) -> Result<&Docker, Error> {
        self.docker
            .get_or_try_init(|| Docker::connect(self.gateway.clone(), self.pull_timeout))
            .await
    }
}

impl Runtime for DockerRuntime {
    fn start<'a>(
        &'a self,
        spec: &'a ContainerSpec,
        steps: &'a dyn Steps,
    ) -> BoxFuture<'a, Result<Running, Error>> {
        async move { self.docker().await?.start_with(spec, steps).await }.boxed()
    }

    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        async move {
            // Never connected: this gateway started nothing there.
            if let Some(docker) = self.docker.get() {
                docker.remove(id).await;
            }
        }
        .boxed()
    }

    fn stop_all(&self) -> BoxFuture<'_, usize> {
        async move {
            match self.docker.get() {
                Some(docker) => docker.remove_all_mine().await,
                None => 0,
            }
        }
        .boxed()
    }

    fn sweep_orphans(&self) -> BoxFuture<'_, usize> {
        async move {
            match self.docker().await {
                Ok(docker) => docker.sweep_orphans().await,
                Err(error) => {
                    tracing::warn!(error = %error, "docker unavailable; servers cannot be added until it is");
                    0
                }
            }
        }
        .boxed()
    }
}
