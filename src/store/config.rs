//! Server config values of one workspace, persisted so a restart loses nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::store::{Error, file};

/// `config/<workspace>.json`: server name -> its config object.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    path: PathBuf,
}

impl ConfigStore {
    pub(crate) fn new(dir: PathBuf, workspace: &str) -> ConfigStore {
        // Workspace names become file names: keep them to a safe alphabet.
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
        ConfigStore {
            path: dir.join(format!("{safe}.json")),
        }
    }

    /// Every server's config in this workspace.
    pub fn load(&self) -> Result<BTreeMap<String, Map<String, Value>>, Error> {
        file::read(&self.path)
    }

    /// Replaces one server's config and saves.
    pub fn save(&self, server: &str, config: &Map<String, Value>) -> Result<(), Error> {
        let mut all = self.load()?;
        all.insert(server.to_string(), config.clone());
        file::write(&self.path, &all)
    }
}
