//! How a server runs. The gateway holds an `Arc<dyn Runtime>` and sees a running server as a
//! pair of byte streams and an id to stop it by; Docker (`daemon.rs` over `docker.rs`, the only
//! importer of bollard) is one implementation, the in-process one (`in_process.rs`) another.
//!
//! Every Docker container carries the `io.switchboard.*` labels so that
//! [`Runtime::sweep_orphans`] can remove what a dead gateway left behind. Next:
//! `upstream/connection.rs`, which speaks MCP over the streams [`Runtime::start`] returns.

mod daemon;
mod docker;
mod error;
mod identity;
mod in_process;
mod probe;
mod pull;
mod spec;
mod steps;

pub use daemon::DockerRuntime;
pub use docker::{Docker, Running, StderrTail};
pub use error::Error;
pub use identity::GatewayId;
pub use in_process::{InProcess, ServeFn};
pub use probe::{DEFAULT_DOCKER_HOST, DaemonVersion, DockerProbe, ProbeError};
pub use spec::{ContainerSpec, EnvValue, EnvVar, Limits, Mount, MountSource, labels};
pub use steps::{NoSteps, PullProgress, Step, Steps};

use futures::future::BoxFuture;

/// How server instances run: Docker today, another orchestrator later, in-process for tests.
/// Implementations clean up after themselves: a failed start leaves nothing running.
pub trait Runtime: Send + Sync + std::fmt::Debug {
    /// Starts one instance from `spec`, telling `steps` of each step as it begins, and returns
    /// its stdio, ready for an MCP client.
    fn start<'a>(
        &'a self,
        spec: &'a ContainerSpec,
        steps: &'a dyn Steps,
    ) -> BoxFuture<'a, Result<Running, Error>>;

    /// Stops and removes instance `id`; one already gone counts as stopped.
    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()>;

    /// Stops every instance this gateway started (at shutdown); how many.
    fn stop_all(&self) -> BoxFuture<'_, usize>;

    /// Removes instances whose gateway is gone (at start-up); how many.
    fn sweep_orphans(&self) -> BoxFuture<'_, usize>;
}
