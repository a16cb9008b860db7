//! Meta's APIs as Evergreen uses them — Instagram API with Instagram Login, and the Threads
//! API: used by the core (refresh, `/me`, media) and by the relay (code exchange, long-lived
//! exchange).
//!
//! * [`Network`] names the networks; each has its client: [`Client`] for Instagram (over
//!   whatever [`Endpoints`] name: Instagram, or the sandbox), [`threads::Client`] for Threads.
//!   Both send through one transport (timeouts, bounded bodies, scrubbed errors).
//! * Every failure is an [`ApiError`] whose [`ErrorClass`] says what to do: only
//!   [`ErrorClass::TokenDead`] (and the checkpoint, [`ErrorClass::LoginRequired`]) ends an
//!   account; anything not understood is [`ErrorClass::Transient`].
//! * Secrets are their own types ([`AccessToken`], [`ClientSecret`]); no error, log line or
//!   `Debug` output holds one ([`scrub`] cleans every text that could).
#![deny(missing_docs)]

mod client;
mod clients;
mod error;
pub mod http;
mod network;
mod scrub;
pub mod threads;
mod token;
mod transport;
mod wire;

pub use client::{AppCredentials, AuthorizeRequest, Client, Endpoints, Scope, missing_scopes, usage_of};
pub use clients::Clients;
pub use error::{ApiError, ErrorClass, Transport, Usage, classify};
pub use network::Network;
pub use scrub::scrub;
pub use token::{AccessToken, ClientSecret, serde_expose};
pub use url::{self, Url};
pub use wire::{Id, LongLivedToken, Me, MediaItem, MediaPage, ShortLivedToken};
