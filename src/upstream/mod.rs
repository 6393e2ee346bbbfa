//! The MCP client side: one live connection per added server, spoken over the container's stdio
//! or, for remote servers, over streamable HTTP or the legacy HTTP+SSE transport.
//!
//! An [`Upstream`] never knows which client session asked; the gateway's workspace owns it.
//! rmcp's client types stay inside this folder. Next: `gateway/workspace.rs`.

mod connection;
mod error;
mod remote;
mod sse;

pub use connection::{InFlight, ToolChanges, Upstream};
pub use error::Error;
pub use remote::{Endpoint, Header, Transport};
