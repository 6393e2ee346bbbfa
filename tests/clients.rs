//! Issue 12: clients (tests being written).
