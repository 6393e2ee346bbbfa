//! What the gateway asks the runtime to start: plain data, no Docker types.

use std::collections::HashMap;

use crate::runtime::GatewayId;
use crate::store::Secret;

/// Label on every container Switchboard starts.
pub(crate) const MANAGED_LABEL: &str = "io.switchboard.managed";
/// Label naming the catalog server a container runs.
pub(crate) const SERVER_LABEL: &str = "io.switchboard.server";
/// Label naming the workspace a container belongs to.
pub(crate) const WORKSPACE_LABEL: &str = "io.switchboard.workspace";
/// Label naming the gateway process that owns a container.
pub(crate) const GATEWAY_LABEL: &str = "io.switchboard.gateway";
/// Label on a standby instance (`run --standby`), started before any workspace asked for it.
pub(crate) const STANDBY_LABEL: &str = "io.switchboard.standby";

/// One server container to start.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub server: String,
    pub workspace: String,
    pub image: String,
    /// Replaces the image's CMD when not empty.
    pub command: Vec<String>,
    /// Environment variables; secret values stay wrapped so `Debug` cannot show them.
    pub env: Vec<EnvVar>,
    /// What the server sees of the host: bind mounts and named volumes, checked by the
    /// gateway's mount policy before they get here.
    pub mounts: Vec<Mount>,
    pub user: Option<String>,
    /// `--network none` when true.
    pub disable_network: bool,
    pub limits: Limits,
    /// Started as a standby instance (`run --standby`), its `workspace` a placeholder: labelled
    /// `io.switchboard.standby=true`, which it keeps after a workspace takes it (Docker labels
    /// are fixed at create).
    pub standby: bool,
}

/// One mount of a server instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub source: MountSource,
    /// The path inside the instance.
    pub target: String,
    pub read_only: bool,
}

/// Where a mount's content lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    /// An absolute host path (a bind mount).
    Host(std::path::PathBuf),
    /// A named volume the runtime keeps.
    Volume(String),
}

impl Mount {
    /// `source:target[:ro]`, as the Engine API's binds want it.
    pub(crate) fn to_docker(&self) -> String {
        let source = match &self.source {
            MountSource::Host(path) => path.display().to_string(),
            MountSource::Volume(name) => name.clone(),
        };
        let mode = if self.read_only { "ro" } else { "rw" };
        format!("{source}:{}:{mode}", self.target)
    }
}

/// One environment variable of a container.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
}

/// A plain value, or a secret one that must be scrubbed from anything shown.
#[derive(Debug, Clone)]
pub enum EnvValue {
    Plain(String),
    Secret(Secret),
}

impl EnvValue {
    /// The value as it goes on the wire or into the environment.
    pub fn expose(&self) -> &str {
        match self {
            EnvValue::Plain(value) => value,
            EnvValue::Secret(secret) => secret.expose(),
        }
    }

    /// The value if it is secret, to scrub from anything shown.
    pub fn secret(&self) -> Option<&str> {
        match self {
            EnvValue::Secret(secret) => Some(secret.expose()),
            EnvValue::Plain(_) => None,
        }
    }
}

impl EnvVar {
    /// `NAME=value`, as the Engine API wants it.
    pub(crate) fn to_docker(&self) -> String {
        format!("{}={}", self.name, self.value.expose())
    }
}

impl ContainerSpec {
    /// The secret values given to the container, to scrub from what it prints.
    pub fn secret_values(&self) -> Vec<String> {
        self.env
            .iter()
            .filter_map(|v| v.value.secret().map(str::to_string))
            .collect()
    }
}

/// Resource limits applied to every server container.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 1 << 30,
            nano_cpus: 1_000_000_000,
            pids: 512,
        }
    }
}

/// The labels that mark a container as ours, and whose it is.
pub fn labels(spec: &ContainerSpec, gateway: &GatewayId) -> HashMap<String, String> {
    let mut labels = HashMap::from([
        (MANAGED_LABEL.to_string(), "true".to_string()),
        (SERVER_LABEL.to_string(), spec.server.clone()),
        (WORKSPACE_LABEL.to_string(), spec.workspace.clone()),
        (GATEWAY_LABEL.to_string(), gateway.to_string()),
    ]);
    if spec.standby {
        labels.insert(STANDBY_LABEL.to_string(), "true".to_string());
    }
    labels
}
