//! Full-text search over MCP server catalogs, for `mcp-find` and `switchboard catalog search`.
//!
//! The crate knows nothing of catalogs' YAML, of tokio or of MCP: callers hand it plain
//! [`Document`]s once per catalog load and query the in-RAM index as often as they like.
//! Same documents and same query give the same ranking: ties are broken by server name.
//!
//! ```
//! use switchboard_index::{Document, SearchIndex, ToolText};
//! let docs = vec![Document {
//!     name: "time".into(),
//!     title: "Time".into(),
//!     description: "Current time and timezone conversion".into(),
//!     tools: vec![ToolText { name: "get_current_time".into(), description: "Now, in a timezone".into() }],
//!     ..Document::default()
//! }];
//! let index = SearchIndex::build(&docs).unwrap();
//! let hits = index.search("what time is it", 5).unwrap();
//! assert_eq!(hits[0].doc, 0);
//! assert_eq!(hits[0].matched_tools, vec!["get_current_time".to_string()]);
//! ```
#![deny(missing_docs)]

mod analyze;
mod eval;
mod explain;
mod fusion;
mod knowledge;
mod rank;
mod search;
mod semantic;
mod synonyms;

pub use eval::{Judgement, Outcome, Report, evaluate, evaluate_in, parse_judgements};
pub use explain::{ExactMatch, Explanation, Field, Via, WordMatch};
pub use search::SearchIndex;

/// Parses the compiled-in semantic model now, once per process (later calls return at once);
/// false if it is unavailable, in which case hybrid search is lexical.
pub fn load_model() -> bool {
    semantic::model().is_some()
}
pub use semantic::first_sentence as summary;

/// The compiled-in model's bytes (file-backed, never written): the embedding reads most of
/// them once per catalog, queries only a few rows after that, so a caller may tell the OS to
/// drop them from this process's memory once [`SearchIndex::warm`] has run; they are read
/// back from the page cache on demand.
pub fn model_bytes() -> &'static [u8] {
    semantic::artifact()
}

/// How a query is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Words only: the lexical ranker over tantivy's candidates.
    Lexical,
    /// Words and meaning: the lexical ranking fused with a static embedding model's cosine
    /// (`fusion.rs` has the formula).
    #[default]
    Hybrid,
}

impl Mode {
    /// The name `--search` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Lexical => "lexical",
            Mode::Hybrid => "hybrid",
        }
    }
}

/// One catalog server as the index sees it; callers map their own entry type onto it.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The server's catalog key, e.g. `github-official`.
    pub name: String,
    /// Human title.
    pub title: String,
    /// Free-text description.
    pub description: String,
    /// Catalog category, e.g. `devops`.
    pub category: String,
    /// Catalog tags.
    pub tags: Vec<String>,
    /// The tools the server is known to offer.
    pub tools: Vec<ToolText>,
    /// Other text worth matching at low weight: config settings and their descriptions.
    pub details: String,
}

/// A tool's searchable text: its name, description and argument names.
#[derive(Debug, Clone, Default)]
pub struct ToolText {
    /// Tool name as the server exposes it.
    pub name: String,
    /// Tool description, possibly with argument names and descriptions appended.
    pub description: String,
}

/// One ranked result: which document, how well it matched, and which of its tools matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the document in the slice given to [`SearchIndex::build`].
    pub doc: usize,
    /// Relevance; only comparable within one query.
    pub score: f32,
    /// Names of the document's tools whose text shares a term with the query, best first.
    pub matched_tools: Vec<String>,
}

/// Why building or querying the index failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The query had no searchable characters.
    #[error("the search query is empty: describe the capability you need, e.g. \"read files\"")]
    EmptyQuery,
    /// tantivy refused to build or read the index.
    #[error("search index failure")]
    Tantivy {
        /// The underlying tantivy error.
        #[source]
        source: tantivy::TantivyError,
    },
}

impl From<tantivy::TantivyError> for Error {
    fn from(source: tantivy::TantivyError) -> Self {
        Error::Tantivy { source }
    }
}

/// The most results one query returns; larger limits are clamped to it.
pub const MAX_LIMIT: usize = 100;
