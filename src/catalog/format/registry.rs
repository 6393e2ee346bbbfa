//! The official MCP Registry's documents: a single `server.json`, or a saved `/v0/servers`
//! (`/v0.1/servers`) list response, whose items are `{"server": {...}, "_meta": {...}}` (or,
//! in older responses, the server object itself). A list may hold several versions of one
//! server: the one the registry marks `isLatest` is kept, else the highest version.
//!
//! Registry names (`io.github.owner/weather`) are too long and too free for catalog keys, which
//! become tool prefixes and container labels (`^[a-zA-Z0-9_-]+$`): a key is the name's last
//! segment, made safe, and servers of one source whose keys collide all take a longer form
//! (`owner-weather`, then the whole name). How a server maps onto a catalog entry is
//! `registry/mapping.rs`; the serde types are `registry/schema.rs`.

mod mapping;
mod schema;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::catalog::{CatalogEntry, Error};
use schema::{Meta, ServerJson};

/// One registry server as read, before it is keyed and mapped.
#[derive(Debug)]
pub(crate) struct Listed {
    /// The file or URL it was read from.
    origin: String,
    server: ServerJson,
    /// The registry's word on whether this is the newest version, where it says.
    latest: Option<bool>,
}

/// A list response, its items left unparsed so an error can name the one at fault.
#[derive(Deserialize)]
struct List<'a> {
    #[serde(borrow)]
    servers: Vec<&'a RawValue>,
}

/// A list item of the current shape: the server and the registry's metadata beside it.
#[derive(Deserialize)]
struct Item<'a> {
    #[serde(borrow, default)]
    server: Option<&'a RawValue>,
    #[serde(rename = "_meta", default, deserialize_with = "schema::or_default")]
    meta: Meta,
}

/// The servers of a list response.
pub(crate) fn parse_list(origin: &str, text: &str) -> Result<Vec<Listed>, Error> {
    let list: List = serde_json::from_str(text).map_err(|source| Error::Entry {
        origin: origin.to_string(),
        entry: "servers".to_string(),
        reason: source.to_string(),
    })?;
    let mut servers = Vec::with_capacity(list.servers.len());
    for (index, raw) in list.servers.iter().enumerate() {
        let item = parse_item(raw.get()).map_err(|source| Error::Entry {
            origin: origin.to_string(),
            entry: match name_of(raw.get()) {
                Some(name) => format!("servers[{index}] ({name})"),
                None => format!("servers[{index}]"),
            },
            reason: source.to_string(),
        })?;
        let (server, meta) = item;
        let official = meta.official.or_else(|| server.meta.official.clone());
        if official
            .as_ref()
            .is_some_and(|o| o.status.as_deref() == Some("deleted"))
        {
            continue;
        }
        let latest = official
            .and_then(|o| o.is_latest)
            .or_else(|| server.version_detail.as_ref().and_then(|v| v.is_latest));
        servers.push(Listed {
            origin: origin.to_string(),
            server,
            latest,
        });
    }
    Ok(servers)
}

fn parse_item(raw: &str) -> Result<(ServerJson, Meta), serde_json::Error> {
    let item: Item = serde_json::from_str(raw)?;
    match item.server {
        Some(server) => Ok((serde_json::from_str(server.get())?, item.meta)),
        None => Ok((serde_json::from_str(raw)?, Meta::default())),
    }
}

/// The server of a `server.json` file.
pub(crate) fn parse_server(origin: &str, text: &str) -> Result<Vec<Listed>, Error> {
    let server: ServerJson = serde_json::from_str(text).map_err(|source| Error::Entry {
        origin: origin.to_string(),
        entry: name_of(text).unwrap_or_else(|| "server.json".to_string()),
        reason: source.to_string(),
    })?;
    Ok(vec![Listed {
        origin: origin.to_string(),
        server,
        latest: None,
    }])
}

/// The registry name in a document that failed to parse, to name it in the error.
fn name_of(raw: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    let server = value.get("server").unwrap_or(&value);
    server.get("name")?.as_str().map(str::to_string)
}

/// The catalog entries of one source's registry servers: the newest version of each, keyed.
pub(crate) fn entries(listed: Vec<Listed>) -> Result<Vec<CatalogEntry>, Error> {
    let mut newest: BTreeMap<String, Listed> = BTreeMap::new();
    for candidate in listed {
        match newest.get(&candidate.server.name) {
            Some(kept) if !replaces(&candidate, kept) => {}
            _ => {
                newest.insert(candidate.server.name.clone(), candidate);
            }
        }
    }
    let names: Vec<&str> = newest.keys().map(String::as_str).collect();
    let keys = keys(&names);
    newest
        .values()
        .zip(keys)
        .map(|(listed, key)| mapping::entry(&key, &listed.server, &listed.origin))
        .collect()
}

/// Whether `candidate` is a newer version than `kept` of the same server: the one marked
/// latest, else the higher version; on a tie, the later one read.
fn replaces(candidate: &Listed, kept: &Listed) -> bool {
    match (candidate.latest == Some(true), kept.latest == Some(true)) {
        (true, false) => return true,
        (false, true) => return false,
        _ => {}
    }
    let version = |listed: &Listed| mapping::version(&listed.server).unwrap_or_default();
    compare_versions(&version(candidate), &version(kept)) != Ordering::Less
}

/// Semantic-version order, leniently: a leading `v` is ignored, numeric parts compare as
/// numbers, a release is above its pre-releases, and anything else compares as text.
fn compare_versions(a: &str, b: &str) -> Ordering {
    fn split(version: &str) -> (&str, Option<&str>) {
        let version = version.trim().trim_start_matches('v');
        let version = version.split('+').next().unwrap_or(version);
        match version.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (version, None),
        }
    }
    fn parts(text: &str) -> Vec<Result<u64, &str>> {
        text.split('.')
            .map(|p| p.parse::<u64>().map_err(|_| p))
            .collect()
    }
    let ((a_core, a_pre), (b_core, b_pre)) = (split(a), split(b));
    parts(a_core)
        .cmp(&parts(b_core))
        .then_with(|| match (a_pre, b_pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => parts(a).cmp(&parts(b)),
        })
}

/// Catalog keys for registry names (sorted, distinct), in the same order: the last segment,
/// unless another name of the source gives the same key, in which case every name involved
/// takes the next longer form; a collision left at the longest form gets a counter.
fn keys(names: &[&str]) -> Vec<String> {
    const LONGEST: usize = 2;
    let mut level = vec![0; names.len()];
    loop {
        let keys: Vec<String> = names
            .iter()
            .zip(&level)
            .map(|(name, level)| key_form(name, *level))
            .collect();
        let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, key) in keys.iter().enumerate() {
            groups.entry(key).or_default().push(index);
        }
        let mut bumped = false;
        for group in groups.values().filter(|g| g.len() > 1) {
            for &index in group {
                if level[index] < LONGEST {
                    level[index] += 1;
                    bumped = true;
                }
            }
        }
        if !bumped {
            return numbered(keys);
        }
    }
}

/// Keys still equal at the longest form (names that differ only in characters a key cannot
/// hold) get `-2`, `-3`, ... after the first.
fn numbered(keys: Vec<String>) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    keys.into_iter()
        .map(|key| {
            let count = seen.entry(key.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                key
            } else {
                format!("{key}-{count}")
            }
        })
        .collect()
}

/// Level 0: `weather` for `io.github.owner/weather`; 1: `owner-weather`; 2:
/// `io-github-owner-weather`.
fn key_form(name: &str, level: usize) -> String {
    let (namespace, last) = name.rsplit_once('/').unwrap_or(("", name));
    let owner = namespace.rsplit('.').next().unwrap_or_default();
    match level {
        0 => safe_key(last),
        1 if !owner.is_empty() => safe_key(&format!("{owner}-{last}")),
        _ => safe_key(name),
    }
}

/// Lower-case letters, digits, `_` and `-`; any other run of characters becomes one `-`.
pub(crate) fn safe_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('-') {
            key.push('-');
        }
    }
    let key = key.trim_matches('-');
    if key.is_empty() {
        "server".to_string()
    } else {
        key.to_string()
    }
}
