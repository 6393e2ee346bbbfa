//! What the user gives the gateway to pass on to servers, kept under `$SWITCHBOARD_HOME`:
//! secrets (the gateway-wide `secrets.json` and each workspace's `secrets/<workspace>.json`,
//! mode 0600), token hashes (`tokens.json`), per-workspace config (`config/<workspace>.json`),
//! profiles of provisioned workspaces (`profiles/<workspace>.json`), and the last good copy
//! of each catalog fetched over HTTP (`cache/catalogs/`).
//!
//! The only writer under the home directory. Secret values live in [`Secret`], whose `Debug`
//! never shows them; they reach a container's environment and nothing else.

mod catalog_cache;
mod config;
mod digest;
mod error;
mod file;
mod profiles;
mod secrets;
mod tokens;

pub use catalog_cache::{CachedCatalog, CatalogCache};
pub use config::ConfigStore;
pub(crate) use digest::hex;
pub use error::Error;
pub use file::Stamp;
pub use profiles::{Profile, ProfileStore};
pub use secrets::{
    Secret, SecretScope, SecretStore, Secrets, env_name, redact, valid_secret_name, variable_style,
};
pub use tokens::{ENV_TOKEN, Grant, TokenKind, TokenSet, TokenStore, valid_name};

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

    /// Copies of the catalogs fetched over HTTP.
    pub fn catalog_cache(&self) -> CatalogCache {
        CatalogCache::new(self.0.join("cache/catalogs"))
    }

    pub fn config(&self, workspace: &str) -> ConfigStore {
        ConfigStore::new(self.workspace_file("config", workspace))
    }

    /// The secrets only `workspace` sees.
    pub fn workspace_secrets(&self, workspace: &str) -> SecretStore {
        SecretStore::new(self.workspace_file("secrets", workspace))
    }

    pub fn profile(&self, workspace: &str) -> ProfileStore {
        ProfileStore::new(self.workspace_file("profiles", workspace))
    }

    /// Deletes everything kept for `workspace` (its config, secrets and profile).
    pub fn delete_workspace(&self, workspace: &str) -> Result<(), Error> {
        self.config(workspace).delete()?;
        self.workspace_secrets(workspace).delete()?;
        self.profile(workspace).delete()?;
        Ok(())
    }

    /// `<dir>/<workspace>.json`. Workspace names become file names: anything outside a safe
    /// alphabet becomes `_` (token names never contain such characters anyway).
    fn workspace_file(&self, dir: &str, workspace: &str) -> PathBuf {
        let safe: String = workspace
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.0.join(dir).join(format!("{safe}.json"))
    }
}
