//! Evergreen's domain, free of any UI framework.
//!
//! Evergreen keeps Instagram professional accounts connected: it stores their long-lived
//! tokens in an encrypted vault, refreshes them before they expire and says early when a
//! person must act. This crate is all of that except the window: the Tauri shell calls into
//! it and maps its [`Error`] to `{ code, message }`.
//!
//! * [`deep_link`] parses the `app.evergreen:` links the OS delivers; everything else about
//!   a returning link (is it ours, is it fresh) is [`connect`]'s job.
//! * [`clock`] is the only source of time; tests drive a [`clock::ManualClock`].
//! * Errors: each module has its own enum; [`Error::code`] gives the stable [`Code`].
#![deny(missing_docs)]

pub mod account;
mod app;
mod auto_unlock;
mod change;
pub mod clock;
pub mod connect;
mod connecting;
pub mod deep_link;
mod error;
pub mod keyring;
pub mod label;
mod ledger;
mod lifecycle;
pub mod notify;
pub mod paths;
pub mod profile;
pub mod refresh;
mod roster;
mod settings;
pub mod store;
pub mod tray;
pub mod vault;

pub use account::{AccountView, DisplayStatus};
pub use app::{Evergreen, Setup};
pub use auto_unlock::{AutoUnlock, StartUnlock};
pub use change::{Change, ChangeSink, ignore_changes};
pub use connecting::{Connection, Profile};
pub use error::{Code, Error};
pub use lifecycle::Reconciliation;
