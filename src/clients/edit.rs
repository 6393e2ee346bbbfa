//! The operations on one client's file: find it, read our entry, write it, remove it. The
//! format modules edit texts; this one decides whether anything changes at all, so that a
//! second `connect` (or `disconnect`) leaves the file and its backup untouched.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::clients::entry::{Entry, bearer_tokens};
use crate::clients::error::{Error, Problem};
use crate::clients::fields::Fields;
use crate::clients::known::{CLIENTS, Client, Dirs, Format, Scope, find};
use crate::clients::{json, toml, write, yaml};

/// Our name in every client's file.
pub const ENTRY_NAME: &str = "switchboard";

/// One client's config file, found.
#[derive(Debug, Clone)]
pub struct Target {
    client: &'static Client,
    path: PathBuf,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Our entry was not there and now is.
    Added,
    /// Our entry was there, different (an older path, say), and was rewritten.
    Updated,
    /// Our entry was already exactly as asked: nothing was written.
    Unchanged,
    /// Our entry was there and is gone.
    Removed,
    /// Our entry was not there: nothing was written.
    Absent,
}

/// The outcome of `connect` or `disconnect`.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub change: Change,
    /// Where the previous content was kept, when the file changed.
    pub backup: Option<PathBuf>,
}

impl Target {
    /// The client's file for `scope`. When there is none, the error holds the snippet to
    /// paste, made from `snippet_entry` (give it a placeholder token, never a real one).
    pub fn locate(
        client: &str,
        dirs: &Dirs,
        scope: Scope<'_>,
        snippet_entry: &Entry,
    ) -> Result<Target, Error> {
        let client = find(client).ok_or_else(|| Error::Unplaced {
            client: "this client",
            reason: format!(
                "`{client}` is not a client we know (we know {})",
                crate::clients::names().join(", ")
            ),
            snippet: String::new(),
        })?;
        match client.path(dirs, scope) {
            Ok(path) => Ok(Target { client, path }),
            Err(reason) => Err(Error::Unplaced {
                client: client.title,
                reason,
                snippet: snippet(client, snippet_entry),
            }),
        }
    }

    pub(crate) fn of(client: &'static Client, path: PathBuf) -> Target {
        Target { client, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The client's own name for itself ("Claude Code").
    pub fn title(&self) -> &'static str {
        self.client.title
    }

    /// Our entry as the file holds it now, if it does.
    pub fn entry(&self) -> Result<Option<Value>, Error> {
        let text = write::read(&self.path)?.unwrap_or_default();
        get(self.client, &text).map_err(|p| p.at(&self.path))
    }

    /// The bearer tokens our entry in this file holds (to reuse a token made earlier).
    pub fn tokens(&self) -> Vec<String> {
        self.entry()
            .ok()
            .flatten()
            .map(|entry| bearer_tokens(&entry))
            .unwrap_or_default()
    }

    /// Writes our entry; nothing is written when it is already there as asked.
    pub fn connect(&self, entry: &Entry) -> Result<Outcome, Error> {
        let fields = self.client.style.fields(entry);
        let old = write::read(&self.path)?;
        let text = old.as_deref().unwrap_or_default();
        let current = get(self.client, text).map_err(|p| p.at(&self.path))?;
        if current.as_ref() == Some(&fields.to_value()) {
            return Ok(unchanged(Change::Unchanged));
        }
        let new = set(self.client, text, &fields).map_err(|p| p.at(&self.path))?;
        let backup = write::replace(&self.path, old.as_deref(), &new)?;
        let change = if current.is_some() {
            Change::Updated
        } else {
            Change::Added
        };
        Ok(Outcome { change, backup })
    }

    /// Removes our entry and nothing else; nothing is written when it is not there.
    pub fn disconnect(&self) -> Result<Outcome, Error> {
        let Some(old) = write::read(&self.path)? else {
            return Ok(unchanged(Change::Absent));
        };
        if get(self.client, &old)
            .map_err(|p| p.at(&self.path))?
            .is_none()
        {
            return Ok(unchanged(Change::Absent));
        }
        let new = remove(self.client, &old).map_err(|p| p.at(&self.path))?;
        let backup = write::replace(&self.path, Some(&old), &new)?;
        Ok(Outcome {
            change: Change::Removed,
            backup,
        })
    }
}

/// The bearer tokens in our entries across every known client's user file (and project file
/// in `project`), so that a token made for one client can be written into another.
pub fn tokens_everywhere(dirs: &Dirs, project: Option<&Path>) -> Vec<String> {
    let mut scopes = vec![Scope::User];
    scopes.extend(project.map(Scope::Project));
    CLIENTS
        .iter()
        .flat_map(|client| {
            scopes.iter().filter_map(move |scope| {
                client
                    .path(dirs, *scope)
                    .ok()
                    .map(|path| Target::of(client, path))
            })
        })
        .flat_map(|target| target.tokens())
        .collect()
}

fn unchanged(change: Change) -> Outcome {
    Outcome {
        change,
        backup: None,
    }
}

/// What to paste into the client's file by hand: our entry inside its section.
pub(crate) fn snippet(client: &Client, entry: &Entry) -> String {
    set(client, "", &client.style.fields(entry)).unwrap_or_default()
}

fn get(client: &Client, text: &str) -> Result<Option<Value>, Problem> {
    match client.format {
        Format::Json => json::get(text, true, client.section, ENTRY_NAME),
        Format::Jsonc => json::get(text, false, client.section, ENTRY_NAME),
        Format::Toml => toml::get(text, client.section, ENTRY_NAME),
        Format::Yaml => yaml::get(text, client.section, ENTRY_NAME),
    }
}

fn set(client: &Client, text: &str, fields: &Fields) -> Result<String, Problem> {
    match client.format {
        Format::Json => json::set(text, true, client.section, ENTRY_NAME, fields),
        Format::Jsonc => json::set(text, false, client.section, ENTRY_NAME, fields),
        Format::Toml => toml::set(text, client.section, ENTRY_NAME, fields),
        Format::Yaml => yaml::set(text, client.section, ENTRY_NAME, fields),
    }
}

fn remove(client: &Client, text: &str) -> Result<String, Problem> {
    match client.format {
        Format::Json => json::remove(text, true, client.section, ENTRY_NAME),
        Format::Jsonc => json::remove(text, false, client.section, ENTRY_NAME),
        Format::Toml => toml::remove(text, client.section, ENTRY_NAME),
        Format::Yaml => yaml::remove(text, client.section, ENTRY_NAME),
    }
}
