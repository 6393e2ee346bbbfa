//! Issue 12: progress (tests being written).
