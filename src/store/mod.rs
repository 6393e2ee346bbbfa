//! What the user gives the gateway to pass on to servers, kept under `$SWITCHBOARD_HOME`:
//! secrets (`secrets.json`, mode 0600), token hashes (`tokens.json`) and per-workspace config
//! (`config/<workspace>.json`).
//!
//! The only writer under the home directory. Secret values live in [`Secret`], whose `Debug`
//! never shows them; they reach a container's environment and nothing else.

mod config;
mod error;
mod file;
mod secrets;
mod tokens;

pub use config::ConfigStore;
pub use error::Error;
pub use secrets::{Secret, SecretStore, Secrets, env_name, redact};
pub use tokens::{TokenSet, TokenStore};

use std::path::{Path, PathBuf};

/// The state directory: `$SWITCHBOARD_HOME`, else `~/.config/switchboard`.
#[derive(Debug, Clone)]
pub struct Home(PathBuf);

impl Home {
    /// Resolves the directory from the two environment values that decide it.
    pub fn resolve(switchboard_home: Option<String>, home: Option<String>) -> Home {
        match (switchboard_home.filter(|h| !h.is_empty()), home) {
            (Some(dir), _) => Home(PathBuf::from(dir)),
            (None, Some(home)) => Home(PathBuf::from(home).join(".config/switchboard")),
            (None, None) => Home(PathBuf::from(".switchboard")),
        }
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn secrets(&self) -> SecretStore {
        SecretStore::new(self.0.join("secrets.json"))
    }

    pub fn tokens(&self) -> TokenStore {
        TokenStore::new(self.0.join("tokens.json"))
    }

    pub fn config(&self, workspace: &str) -> ConfigStore {
        ConfigStore::new(self.0.join("config"), workspace)
    }
}
