//! MCP clients' config files: which clients we know (`known.rs`), where each keeps its MCP
//! servers, and how to write or remove our `switchboard` entry there (`edit.rs`) without
//! touching anything else: JSON and JSON with comments (`json.rs`), TOML (`toml.rs`), YAML
//! (`yaml.rs`), each written atomically with a backup (`write.rs`). How each client spells our
//! entry is in `entry.rs`.
//!
//! Reads no environment: the home and config directories come in as values.

mod edit;
mod entry;
mod error;
mod fields;
mod json;
mod known;
mod toml;
mod write;
mod yaml;

use std::path::{Path, PathBuf};

pub use edit::{Change, ENTRY_NAME, Outcome, Target, tokens_everywhere};
pub use entry::Entry;
pub use error::Error;
pub use known::{Dirs, Scope, names};

/// One known client, where its config lives and whether Switchboard is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientStatus {
    pub name: &'static str,
    /// `None` when the client has no such file here (no project file, or a location unknown
    /// on this system).
    pub path: Option<PathBuf>,
    pub connected: bool,
}

/// Every known client's user-level config. `user_home`: the user's HOME; `xdg_config`:
/// `XDG_CONFIG_HOME` if set.
pub fn list(user_home: &Path, xdg_config: Option<&Path>) -> Vec<ClientStatus> {
    let dirs = Dirs {
        home: user_home.to_path_buf(),
        xdg_config: xdg_config.map(Path::to_path_buf),
    };
    statuses(&dirs, Scope::User)
}

/// Every known client's config for `scope`. A file that cannot be read counts as not
/// connected.
pub fn statuses(dirs: &Dirs, scope: Scope<'_>) -> Vec<ClientStatus> {
    known::CLIENTS
        .iter()
        .map(|client| match client.path(dirs, scope) {
            Ok(path) => {
                let target = Target::of(client, path.clone());
                let connected = matches!(target.entry(), Ok(Some(_)));
                ClientStatus {
                    name: client.name,
                    path: Some(path),
                    connected,
                }
            }
            Err(_) => ClientStatus {
                name: client.name,
                path: None,
                connected: false,
            },
        })
        .collect()
}
