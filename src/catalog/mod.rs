//! Catalogs: the YAML files that say which MCP servers exist and how to run them.
//!
//! Loading is the only I/O here; after [`load`] a [`Catalog`] is plain immutable data shared by
//! every workspace. Unknown keys in a catalog are ignored, never fatal; a malformed entry fails
//! the whole load with an error naming the file and the entry. Next: `gateway/tools/find.rs`.

mod error;
mod indexed;
mod load;
mod model;
mod settings;
mod template;

pub use error::Error;
pub use indexed::{IndexedCatalog, index_document};
pub use load::{BUNDLED, Catalog, Source, load};
pub use model::{
    CatalogEntry, EnvSpec, OAuthProvider, OAuthSpec, RemoteSpec, SecretSpec, ServerKind,
    ServerName, ToolSpec,
};
pub use settings::{SettingsError, apply as apply_settings, parse_assignment, typed_value};
pub use template::{TemplateError, fill};
