//! A catalog with its search index: built once per catalog load, queried by `mcp-find`,
//! `switchboard catalog search` and `catalog eval` alike.

use switchboard_index::{Document, Hit, Mode, SearchIndex, ToolText};

use crate::catalog::{Catalog, CatalogEntry};

/// The catalog and the index over its entries; index positions are catalog name order.
#[derive(Debug)]
pub struct IndexedCatalog {
    catalog: Catalog,
    index: SearchIndex,
    names: Vec<String>,
}

impl IndexedCatalog {
    /// Indexes every entry of `catalog`, for hybrid search.
    pub fn build(catalog: Catalog) -> Result<IndexedCatalog, switchboard_index::Error> {
        IndexedCatalog::build_in(catalog, Mode::Hybrid)
    }

    /// Indexes every entry of `catalog`, for search in `mode`.
    pub fn build_in(
        catalog: Catalog,
        mode: Mode,
    ) -> Result<IndexedCatalog, switchboard_index::Error> {
        let documents: Vec<Document> = catalog.entries().map(index_document).collect();
        let index = SearchIndex::build(&documents)?.with_mode(mode);
        let names = documents.into_iter().map(|d| d.name).collect();
        Ok(IndexedCatalog {
            catalog,
            index,
            names,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Entry names by index position, for evaluation.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Ranked entries for a free-text query, best first, with their hits.
    pub fn search(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(&CatalogEntry, Hit)>, switchboard_index::Error> {
        let hits = self.index.search(query, limit)?;
        Ok(hits
            .into_iter()
            .filter_map(|hit| {
                let entry = self
                    .names
                    .get(hit.doc)
                    .and_then(|name| self.catalog.get(name))?;
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
