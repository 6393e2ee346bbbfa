//! The HTTP transport: MCP streamable HTTP at `/mcp` (rmcp's `StreamableHttpService` inside
//! axum), the admin API at `/admin/v1`, the web view at `/ui` (`ui/`), `GET /healthz`. The
//! bearer and Host/Origin checks run before any MCP parsing; the token's name becomes the
//! request's [`crate::gateway::Identity`], hence its workspace.

mod admin;
mod app;
mod auth;
mod hosts;
mod mcp;
mod serve;
mod sessions;
mod tenants;
mod tokens;
mod ui;

pub use app::{Options, app};
pub use hosts::{LOOPBACK_HOSTS, is_loopback};
pub use serve::{Limits, serve};
pub use tenants::Tenants;
pub use tokens::LiveTokens;
