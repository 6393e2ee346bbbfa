//! Issue 12: doctor (tests being written).
