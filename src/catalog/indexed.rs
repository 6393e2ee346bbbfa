//! A catalog with its search index: built once per catalog load, queried by `mcp-find`,
//! `switchboard catalog search` and `catalog eval` alike. A gateway builds it on a thread of
//! its own after start-up, so its first `initialize` answer never waits for it (tantivy and the
//! ranker's analysis took 25 of the 63 ms to that answer with a 328-server catalog).

use std::sync::{Arc, OnceLock};

use switchboard_index::{Document, Hit, Mode, SearchIndex, ToolText};

use crate::catalog::{Catalog, CatalogEntry};

/// The catalog and the index over its entries; index positions are catalog name order. The
/// catalog is there at once; the index may still be building on its own thread (see
/// [`IndexedCatalog::in_background`]), and whatever needs it waits for it.
#[derive(Debug, Clone)]
pub struct IndexedCatalog {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    catalog: Catalog,
    mode: Mode,
    names: Vec<String>,
    /// Set once, by the build thread or by the first caller that needs it first.
    index: OnceLock<Result<SearchIndex, switchboard_index::Error>>,
}

impl IndexedCatalog {
    /// Indexes every entry of `catalog` now, for hybrid search.
    pub fn build(catalog: Catalog) -> Result<IndexedCatalog, switchboard_index::Error> {
        IndexedCatalog::build_in(catalog, Mode::Hybrid)
    }

    /// Indexes every entry of `catalog` now, for search in `mode`.
    pub fn build_in(
        catalog: Catalog,
        mode: Mode,
    ) -> Result<IndexedCatalog, switchboard_index::Error> {
        let indexed = IndexedCatalog::unbuilt(catalog, mode);
        indexed.index()?;
        Ok(indexed)
    }

    /// The catalog at once, its index built on a thread of its own: a gateway answers
    /// `initialize` and `tools/list` without it, and the first search waits for the build
    /// (or runs it, if the thread has not started yet), so every query sees the same index.
    pub fn in_background(catalog: Catalog, mode: Mode) -> IndexedCatalog {
        let indexed = IndexedCatalog::unbuilt(catalog, mode);
        let building = indexed.clone();
        let spawned = std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                if let Err(error) = building.index() {
                    tracing::error!(error = %error, "building the search index failed");
                }
                // The build's scratch (tantivy's arena, the analyzed documents) is garbage now.
                crate::heap::release_unused();
                tracing::debug!(
                    servers = building.shared.names.len(),
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "search index built"
                );
            });
        if let Err(error) = spawned {
            // Not fatal: the first search builds the index itself.
            tracing::warn!(error = %error, "cannot start the search index thread");
        }
        indexed
    }

    fn unbuilt(catalog: Catalog, mode: Mode) -> IndexedCatalog {
        let names = catalog.entries().map(|e| e.name.to_string()).collect();
        IndexedCatalog {
            shared: Arc::new(Shared {
                catalog,
                mode,
                names,
                index: OnceLock::new(),
            }),
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// How searches rank; known before the index is built.
    pub fn mode(&self) -> Mode {
        self.shared.mode
    }

    /// The index, once built: waits for a build under way, or builds it here.
    pub fn index(&self) -> Result<&SearchIndex, switchboard_index::Error> {
        let shared = &self.shared;
        shared
            .index
            .get_or_init(|| {
                let documents: Vec<Document> =
                    shared.catalog.entries().map(index_document).collect();
                Ok(SearchIndex::build(&documents)?.with_mode(shared.mode))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether the index is built (a search now would not wait).
    pub fn is_ready(&self) -> bool {
        self.shared.index.get().is_some()
    }

    /// Builds the semantic stage now (after the index), then gives the memory the build
    /// used back; for a blocking thread, once the first client is answered.
    pub fn warm(&self) {
        if let Ok(index) = self.index() {
            index.warm();
            crate::heap::release_unused();
            // The model's table is read once per catalog entry while embedding, then only a
            // query's few rows: the rest need not stay mapped.
            crate::heap::release_file_pages(switchboard_index::model_bytes());
        }
    }

    /// Entry names by index position, for evaluation.
    pub fn names(&self) -> &[String] {
        &self.shared.names
    }

    /// Ranked entries for a free-text query, best first, with their hits.
    pub fn search(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(&CatalogEntry, Hit)>, switchboard_index::Error> {
        let hits = self.index()?.search(query, limit)?;
        Ok(hits
            .into_iter()
            .filter_map(|hit| {
                let entry = self
                    .shared
                    .names
                    .get(hit.doc)
                    .and_then(|name| self.shared.catalog.get(name))?;
                Some((entry, hit))
            })
            .collect())
    }
}

/// A catalog entry as the index sees it: tool arguments count as tool text.
pub fn index_document(entry: &CatalogEntry) -> Document {
    Document {
        name: entry.name.to_string(),
        title: entry.title.clone(),
        description: entry.description.clone(),
        category: entry.metadata.category.clone(),
        tags: entry.metadata.tags.clone(),
        tools: entry
            .tools
            .iter()
            .map(|tool| {
                let mut description = tool.description.clone();
                for argument in &tool.arguments {
                    description.push(' ');
                    description.push_str(&argument.name);
                    description.push(' ');
                    description.push_str(&argument.desc);
                }
                ToolText {
                    name: tool.name.clone(),
                    description,
                }
            })
            .collect(),
        details: entry.config_schema().map(schema_text).unwrap_or_default(),
    }
}

/// The words of a config schema: its description, property names and their descriptions.
fn schema_text(schema: &serde_json::Value) -> String {
    let mut text = String::new();
    let mut push = |s: &str| {
        text.push_str(s);
        text.push(' ');
    };
    if let Some(description) = schema.get("description").and_then(|d| d.as_str()) {
        push(description);
    }
    if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
        for (name, property) in properties {
            push(name);
            if let Some(description) = property.get("description").and_then(|d| d.as_str()) {
                push(description);
            }
        }
    }
    text
}

/// Matched tools shown per server: a model reads every line of `mcp-find`'s answer, and a
/// server with a hundred tools may share a word with the query in most of them (its full tool
/// list is in `tools`).
pub(crate) const MATCHED_TOOLS_SHOWN: usize = 5;

/// The tools a query matched, best first (at most [`MATCHED_TOOLS_SHOWN`]), each with the
/// first sentence of its description.
pub fn matched_tools(entry: &CatalogEntry, names: &[String]) -> Vec<serde_json::Value> {
    names
        .iter()
        .take(MATCHED_TOOLS_SHOWN)
        .map(|name| {
            let description = entry
                .tools
                .iter()
                .find(|tool| &tool.name == name)
                .map(|tool| switchboard_index::summary(&tool.description))
                .unwrap_or_default();
            serde_json::json!({ "name": name, "description": description })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(indexed: &IndexedCatalog, query: &str) -> Vec<(String, f32, Vec<String>)> {
        indexed
            .search(query, 10)
            .unwrap()
            .into_iter()
            .map(|(entry, hit)| (entry.name.to_string(), hit.score, hit.matched_tools))
            .collect()
    }

    #[test]
    fn a_query_during_the_background_build_waits_for_the_same_index() {
        let catalog = crate::catalog::load(&[]).unwrap();
        let queries = ["read files on my disk", "github issues", "what time is it"];
        let built = IndexedCatalog::build_in(catalog.clone(), Mode::Lexical).unwrap();
        assert!(built.is_ready());
        for query in queries {
            // A fresh build each time, queried at once: the build thread is still running,
            // or has not started yet (then this query builds the index itself).
            let building = IndexedCatalog::in_background(catalog.clone(), Mode::Lexical);
            assert_eq!(
                building.catalog().len(),
                catalog.len(),
                "the catalog is there at once"
            );
            assert_eq!(ranked(&building, query), ranked(&built, query), "{query}");
            assert!(building.is_ready());
            // And once it is done, the same again.
            assert_eq!(ranked(&building, query), ranked(&built, query), "{query}");
        }
    }
}
