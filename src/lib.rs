//! Switchboard: a dynamic MCP gateway. Clients connect once and see a few meta-tools; the model
//! searches a catalog of MCP servers, adds the ones it needs, and each runs in its own container.
//!
//! Layout (see ARCHITECTURE.md): `cli` parses commands; `gateway` is the MCP server clients see;
//! `upstream` is the MCP client side; `runtime` runs containers; `catalog` loads catalogs;
//! `store` holds what the user gives us (secrets). The search index is the `switchboard-index`
//! crate.

pub mod calllog;
pub mod catalog;
pub mod cli;
pub mod clients;
pub mod doctor;
pub mod gateway;
mod heap;
pub mod http;
pub mod metrics;
pub mod runtime;
pub mod store;
pub mod tls;
pub mod upstream;
