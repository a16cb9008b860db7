//! The core's integration tests: real SQLite files and real Stronghold snapshots in temp dirs.

mod app;
mod connect;
mod faults;
mod interleavings;
mod keyring;
mod memory;
mod notify;
mod refresh;
mod sign_in_service;
mod simulation;
mod store;
mod support;
mod threads;
mod vault;
