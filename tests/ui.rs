//! Issue 12: ui (tests being written).
