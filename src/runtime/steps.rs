//! The steps of bringing a server up, as the runtime and the upstream report them to whoever
//! waits (the gateway turns them into MCP progress for the client that asked): plain data, no
//! Docker types.

/// One step of starting a server; each is reported when it begins.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The image is missing and is being pulled; repeated as the pull advances (at most about
    /// ten times a second).
    Pulling(PullProgress),
    /// The container is being created.
    Creating,
    /// The container is being attached to and started.
    Starting,
    /// The server runs; the MCP session is being initialized and its offer listed.
    Initializing,
    /// A remote server is being connected to and its MCP session initialized.
    Connecting,
}

/// How far a pull got, from what the daemon reported so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullProgress {
    pub image: String,
    /// Layers downloaded and extracted, or found present already.
    pub layers_done: usize,
    /// Layers the daemon named so far (all of them once it read the manifest).
    pub layers_total: usize,
    /// Compressed bytes downloaded.
    pub bytes_done: u64,
    /// Compressed size of the layers whose size the daemon reported so far.
    pub bytes_total: u64,
}

/// Hears the steps of a server start; called from the start's own task, so it must not block.
pub trait Steps: Send + Sync {
    fn step(&self, step: Step);
}

/// Hears nothing: for starts no client waits on (servers a workspace starts with, restarts).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSteps;

impl Steps for NoSteps {
    fn step(&self, _step: Step) {}
}
