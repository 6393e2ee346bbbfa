//! End-to-end tests: the real `switchboard` binary, a real Docker daemon, real MCP clients.
//! The fixture image is built on first use (`cargo fixtures` builds it ahead of time).

mod common;

// The whole path over stdio with rmcp's client: find, add, call, exec, collide, remove.
mod stdio;
// Bad input and faults: unknown servers, bad arguments, missing images, crashing servers.
mod faults;
// Secrets and config: the store, validation, templates, persistence, no leaks.
mod config_secrets;
// Prompts, resources, completions, logs, progress and server questions through the gateway.
mod passthrough;
// Streamable HTTP: tokens as workspaces, isolation, Host checks.
mod http;
// One gateway for many tenants: per-workspace secrets, live tokens, the admin API, preloads.
mod tenants;
// Slow and greedy clients: header timeout, idle connections, the connection cap.
mod slow_clients;
// Remote catalog servers over streamable HTTP, with secret headers.
mod remote;
// The gateway image: built offline from the Dockerfile, run like compose.yaml runs it.
mod container;
// Clean-up: client disconnects, signals, orphan containers from dead gateways.
mod lifecycle;
// The command line: catalog search/ls/show, malformed catalogs.
mod cli;
// Catalog sources: MCP Registry files, directories and lists, URLs with their cache, malformed ones.
mod catalog_sources;
// A client we did not write: the Python `mcp` SDK over stdio.
mod interop;
// mcp-find quality on the real Docker catalog, against judged queries.
mod search_quality;
// ARCHITECTURE.md names only paths that exist.
mod tidy;
// `switchboard client connect|ls|disconnect` against each client's real config format.
mod clients;
// `switchboard doctor`: its checks with Docker up, Docker unreachable, loose permissions.
mod doctor;
// The call log: `run --call-log`, its fields, redaction, `switchboard logs`.
mod call_log;
// mcp-add's progress notifications while an image is pulled from a local registry.
mod progress;
// The web view at /ui in headless Chromium (playwright-core).
mod ui;
// `run --standby`: pooled instances handed out once, replaced, labelled and swept; refusals.
mod standby;
