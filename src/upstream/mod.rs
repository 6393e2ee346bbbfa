//! The MCP client side: one live connection per added server, spoken over the container's stdio.
//!
//! An [`Upstream`] never knows which client session asked; the gateway's workspace owns it.
//! rmcp's client types stay inside this folder. Next: `gateway/workspace.rs`.

mod connection;
mod error;

pub use connection::{InFlight, Upstream};
pub use error::Error;
