//! `fixture-server conformance`: everything the server scenarios of the MCP conformance suite
//! (`@modelcontextprotocol/conformance`, both the 2025-11-25 and the 2026-07-28 requirement
//! lists) call: tools, resources and templates, prompts, completion, logging, progress,
//! subscriptions, and input from the client, which 2025-11-25 sessions get as server-to-client
//! requests and 2026-07-28 requests as an `InputRequiredResult` (`lifecycle.rs` bridges the two).
//!
//! Layout: `handler.rs` (the `ServerHandler`, routing), `tools.rs` (tools that answer at once,
//! and the tool list), `interactive.rs` and `mrtr.rs` (tools that need input), `lifecycle.rs`
//! (running those on either lifecycle), `inputs.rs` (input requests and answers), `seal.rs`
//! (signed `requestState`), `resources.rs`, `prompts.rs` (and completion), `notify.rs` (logs,
//! progress, change notifications), `state.rs` (what sessions share and keep).

#![allow(
    deprecated,
    reason = "rmcp marks sampling, roots and logging deprecated (SEP-2577), and the 2025-11-25 \
              scenarios exercise exactly those"
)]

mod handler;
mod inputs;
mod interactive;
mod lifecycle;
mod mrtr;
mod notify;
mod prompts;
mod resources;
mod seal;
mod state;
mod tools;

pub use handler::Conformance;
