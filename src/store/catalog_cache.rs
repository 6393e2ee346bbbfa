//! The last good copy of each catalog fetched over HTTP, with the validators (`ETag`,
//! `Last-Modified`) that let the next fetch ask whether it changed:
//! `cache/catalogs/<sha256 of the URL>.json` under the home directory, one file per URL,
//! written atomically (`file::write`), so a reader sees the old copy or the new one, whole.
//! What goes in is decided by `catalog/fetch.rs`: only bodies that parsed as a catalog.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::store::digest::{hex, sha256};
use crate::store::{Error, file};

/// The cache directory.
#[derive(Debug, Clone)]
pub struct CatalogCache {
    dir: PathBuf,
}

/// One cached catalog.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedCatalog {
    pub url: String,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
    /// When it was fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
    pub body: String,
}

impl std::fmt::Debug for CachedCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body can be megabytes; its size says enough.
        f.debug_struct("CachedCatalog")
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .field("fetched_at", &self.fetched_at)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl CatalogCache {
    pub(crate) fn new(dir: PathBuf) -> CatalogCache {
        CatalogCache { dir }
    }

    /// The cached copy of `url`; `None` when there is none.
    pub fn read(&self, url: &str) -> Result<Option<CachedCatalog>, Error> {
        let path = self.path(url);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Read { path, source }),
        };
        let copy: CachedCatalog =
            serde_json::from_slice(&bytes).map_err(|source| Error::Corrupt { path, source })?;
        // A hash collision, or a file copied from elsewhere: not this URL's copy.
        Ok((copy.url == url).then_some(copy))
    }

    /// Replaces the cached copy of `copy.url`.
    pub fn write(&self, copy: &CachedCatalog) -> Result<(), Error> {
        file::write(&self.path(&copy.url), copy)
    }

    fn path(&self, url: &str) -> PathBuf {
        self.dir.join(format!("{}.json", hex(&sha256(url))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_round_trip_per_url() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CatalogCache::new(dir.path().join("cache/catalogs"));
        let url = "https://example.test/catalog.json";
        assert_eq!(cache.read(url).unwrap(), None);
        let copy = CachedCatalog {
            url: url.to_string(),
            etag: Some("\"v1\"".to_string()),
            last_modified: None,
            fetched_at: 7,
            body: "{\"servers\": []}".to_string(),
        };
        cache.write(&copy).unwrap();
        assert_eq!(cache.read(url).unwrap(), Some(copy.clone()));
        assert_eq!(cache.read("https://example.test/other.json").unwrap(), None);
        let debug = format!("{copy:?}");
        assert!(!debug.contains("servers"), "{debug}");
    }
}
