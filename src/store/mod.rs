//! What the user gives the gateway to pass on to servers: secrets and settings.
//!
//! Secret values live in [`Secret`], whose `Debug` and `Display` never show them.
//! Today secrets come from the gateway's environment; the 0600 secret file is issue 4.

mod secrets;

pub use secrets::{Secret, Secrets};
