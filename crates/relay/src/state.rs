//! The relay's state: one `Clone` struct of `Arc`s; the store is a trait object so memory and
//! a shared store swap without touching handlers.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use evergreen_instagram::{Client, Endpoints};

use crate::config::Config;
use crate::limit::PerClient;
use crate::store::{InMemoryStore, SessionStore};

/// Where "now" comes from: the system clock, or a test's.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Sessions and handoffs.
    pub store: Arc<dyn SessionStore>,
    /// Instagram.
    pub instagram: Client,
    /// Limits on starting sign-ins.
    pub session_limit: Arc<PerClient>,
    /// Limits on redeeming handoffs.
    pub redeem_limit: Arc<PerClient>,
    /// The clock.
    pub now: Now,
}

impl AppState {
    /// State for `config`: an in-memory store, the system clock, 10 s per Instagram call.
    pub fn new(config: Config) -> Self {
        let store = Arc::new(InMemoryStore::new(
            config.max_sessions,
            config.max_handoffs,
            config.max_sessions_per_client,
        ));
        Self::with(config, store, Arc::new(Utc::now))
    }

    /// State with a given store and clock (tests).
    pub fn with(config: Config, store: Arc<dyn SessionStore>, now: Now) -> Self {
        let instagram = Client::with_timeout(config.instagram.clone(), Duration::from_secs(10));
        Self {
            session_limit: Arc::new(PerClient::per_minute(config.sessions_per_minute)),
            redeem_limit: Arc::new(PerClient::per_minute(config.redemptions_per_minute)),
            config: Arc::new(config),
            store,
            instagram,
            now,
        }
    }

    /// Instagram's endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        self.instagram.endpoints()
    }
}
