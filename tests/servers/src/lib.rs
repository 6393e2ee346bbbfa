//! The fixture servers' handlers that are served by more than the binary: the conformance mode,
//! which `fixture-server conformance` serves over stdio and a test harness may serve over
//! streamable HTTP to run the MCP conformance suite against it.

pub mod conformance;

/// The handler of `fixture-server conformance` (a fresh server; see
/// [`conformance::Conformance::session`] for more sessions of the same one).
pub fn conformance_server() -> conformance::Conformance {
    conformance::Conformance::new()
}
