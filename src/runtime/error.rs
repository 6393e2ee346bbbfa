//! Runtime failures, classified by what the caller can do about them.

/// Why a container could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No Docker daemon answers on the configured socket.
    #[error("cannot reach the Docker daemon; is it running and is DOCKER_HOST right?")]
    DaemonUnreachable {
        #[source]
        source: bollard::errors::Error,
    },
    /// The image is not present locally and pulling it failed.
    #[error("image `{image}` is not present locally and could not be pulled: {reason}")]
    PullFailed { image: String, reason: String },
    /// Creating, attaching to or starting the container failed.
    #[error("starting a container from `{image}` failed")]
    Start {
        image: String,
        #[source]
        source: bollard::errors::Error,
    },
    /// Any other Engine API call failed.
    #[error("docker {operation} failed")]
    Api {
        operation: &'static str,
        #[source]
        source: bollard::errors::Error,
    },
}
