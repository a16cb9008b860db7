//! IPC commands, one file per area. Each fits on a screen: take state, call the core once,
//! map the error.

pub mod accounts;
pub mod app;
pub mod connect;
pub mod settings;
pub mod sign_in;
pub mod vault;
