//! The fixture servers' handlers, served by more than the binary: the conformance mode, which
//! `fixture-server conformance` serves over stdio and a test harness may serve over streamable
//! HTTP to run the MCP conformance suite against it; the echo and collide modes, which the
//! gateway's unit tests serve in-process.

pub mod basic;
pub mod conformance;

/// The handler of `fixture-server conformance` (a fresh server; see
/// [`conformance::Conformance::session`] for more sessions of the same one).
pub fn conformance_server() -> conformance::Conformance {
    conformance::Conformance::new()
}
