//! `switchboard doctor`: checks of this machine's set-up, each finding one line with ok, warn
//! or fail and the fix: Docker reachable, catalogs load, the saved servers' images and
//! secrets, the state directory's permissions, the HTTP port or gateway, connected clients.
//!
//! Reads files and asks Docker and HTTP servers, never changes anything. The command line and
//! environment arrive as a [`Setup`] from `cli/doctor.rs`; [`diagnose`] runs the checks (in
//! `diagnose.rs`), one file per group; findings and their rendering are in `report.rs`.

mod catalogs;
mod clients;
mod diagnose;
mod docker;
mod http;
mod permissions;
mod report;
mod saved;

pub use diagnose::{Setup, diagnose};
pub use http::HttpTarget;
pub use report::{Check, Report, Status};
