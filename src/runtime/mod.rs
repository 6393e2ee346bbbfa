//! How a server runs. Only this folder imports bollard: above it, a running server is a pair of
//! byte streams and an id to stop it by.
//!
//! Every container carries the `io.switchboard.*` labels so that [`Docker::sweep_orphans`] can
//! remove what a dead gateway left behind. Next: `upstream/connection.rs`, which speaks MCP over
//! the streams returned by [`Docker::start`].

mod docker;
mod error;
mod identity;
mod probe;
mod pull;
mod spec;
mod steps;

pub use docker::{Docker, Running, StderrTail};
pub use error::Error;
pub use identity::GatewayId;
pub use probe::{DEFAULT_DOCKER_HOST, DaemonVersion, DockerProbe, ProbeError};
pub use spec::{ContainerSpec, EnvValue, EnvVar, Limits, labels};
pub use steps::{NoSteps, PullProgress, Step, Steps};
