//! A workspace's profile: what a platform asked it to start with when it provisioned it
//! (`POST /admin/v1/workspaces`), kept so the workspace is the same after a gateway restart.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::store::{Error, file};

/// What a workspace starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Catalog servers added whenever the workspace opens, after the gateway's `--server`s.
    #[serde(default)]
    pub servers: Vec<String>,
}

/// `profiles/<workspace>.json`.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    pub(crate) fn new(path: PathBuf) -> ProfileStore {
        ProfileStore { path }
    }

    /// The saved profile; an empty one if none was saved.
    pub fn load(&self) -> Result<Profile, Error> {
        file::read(&self.path)
    }

    pub fn save(&self, profile: &Profile) -> Result<(), Error> {
        file::update(&self.path, |saved: &mut Profile| {
            *saved = profile.clone();
            (true, ())
        })
    }

    /// True if there was a profile.
    pub fn delete(&self) -> Result<bool, Error> {
        file::delete(&self.path)
    }
}
