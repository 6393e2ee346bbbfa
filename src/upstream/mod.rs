//! The MCP client side: one live connection per added server, spoken over the container's stdio
//! or, for remote servers, over streamable HTTP or the legacy HTTP+SSE transport.
//!
//! An [`Upstream`] never knows which client session asked; the gateway's workspace owns it and
//! hands it a [`Relay`] for server-wide messages and a [`Caller`] per forwarded request.
//! rmcp's client types stay inside this folder. Next: `gateway/workspace.rs`.

mod calls;
mod connection;
mod error;
mod listener;
mod probe;
mod relay;
mod remote;
mod sniff;
mod sse;
mod subscription;

pub use connection::{InFlight, Upstream};
pub use error::Error;
pub use relay::{Answer, Ask, Caller, Listed, Offer, Relay};
pub use remote::{Endpoint, Header, Transport};
