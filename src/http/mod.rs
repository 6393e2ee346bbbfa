//! The HTTP transport: MCP streamable HTTP at `/mcp` (rmcp's `StreamableHttpService` inside
//! axum), `GET /healthz`. The bearer and Host/Origin checks run before any MCP parsing; the
//! token's name becomes the request's [`crate::gateway::Identity`], hence its workspace.

mod app;
mod auth;
mod hosts;

pub use app::{Access, Options, app, serve};
pub use hosts::{LOOPBACK_HOSTS, is_loopback};
