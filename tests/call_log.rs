//! Issue 12: call_log (tests being written).
