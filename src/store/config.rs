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
    pub(crate) fn new(path: PathBuf) -> ConfigStore {
        ConfigStore { path }
    }

    /// Every server's config in this workspace.
    pub fn load(&self) -> Result<BTreeMap<String, Map<String, Value>>, Error> {
        file::read(&self.path)
    }

    /// Replaces one server's config and saves.
    pub fn save(&self, server: &str, config: &Map<String, Value>) -> Result<(), Error> {
        file::update(
            &self.path,
            |all: &mut BTreeMap<String, Map<String, Value>>| {
                all.insert(server.to_string(), config.clone());
                (true, ())
            },
        )
    }

    /// Deletes the whole file; true if it existed.
    pub fn delete(&self) -> Result<bool, Error> {
        file::delete(&self.path)
    }
}
