//! Catalogs: the documents that say which MCP servers exist and how to run them, in Docker's
//! catalog format or the official MCP Registry's (`format/`), from files, directories or URLs
//! (`fetch.rs`, with a cache under the home directory).
//!
//! Loading is the only I/O here; after [`load_sources`] (or [`load`], for local sources) a
//! [`Catalog`] is plain immutable data shared by every workspace. Unknown keys in a catalog
//! are ignored, never fatal; a malformed entry fails the whole load with an error naming the
//! file and the entry. Next: `gateway/tools/find.rs`.

mod error;
mod fetch;
mod format;
mod indexed;
mod load;
mod model;
mod settings;
mod template;

pub use error::Error;
pub use fetch::FetchError;
pub use indexed::{IndexedCatalog, index_document, matched_tools};
pub use load::{BUNDLED, Catalog, DOCKER_CATALOG_URL, Source, load, load_sources};
pub use model::{
    CatalogEntry, CommandArg, EnvSpec, OAuthProvider, OAuthSpec, Published, RemoteSpec, SecretSpec,
    ServerKind, ServerName, ToolSpec, Unrunnable,
};
pub use settings::{
    SettingsError, apply as apply_settings, apply_defaults, parse_assignment, typed_value,
};
pub use template::{TemplateError, fill};
