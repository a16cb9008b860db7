//! The relay's state: one `Clone` struct of `Arc`s; the store is a trait object so memory and
//! a shared store swap without touching handlers.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use evergreen_instagram::{Client, Endpoints};

use crate::config::{Config, StoreConfig};
use crate::store::{Bounds, InMemoryStore, Redis, RedisStore, SessionStore};

/// Where "now" comes from: the system clock, or a test's.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Sessions, handoffs and the per-client limits on them.
    pub store: Arc<dyn SessionStore>,
    /// Instagram.
    pub instagram: Client,
    /// Threads, when the service has an app there.
    pub threads: Option<evergreen_instagram::threads::Client>,
    /// The clock.
    pub now: Now,
}

impl AppState {
    /// State for `config` on the system clock: the store it names (Redis is connected on first
    /// use, so a relay starts while Redis is down and answers 503 until it is up).
    pub fn new(config: Config) -> Self {
        Self::with_clock(config, Arc::new(Utc::now))
    }

    /// [`AppState::new`] with a given clock (tests).
    pub fn with_clock(config: Config, now: Now) -> Self {
        let bounds = Bounds::of(&config);
        let store: Arc<dyn SessionStore> = match &config.store {
            StoreConfig::Memory => Arc::new(InMemoryStore::new(bounds)),
            StoreConfig::Redis(redis) => {
                let shared =
                    Redis::lazy(redis.connection.clone(), &redis.key_prefix, redis.timeout, now.clone())
                        .expect("a Redis URL the configuration checked");
                Arc::new(RedisStore::new(shared, redis.handoff_key.clone(), bounds))
            }
        };
        let instagram = Client::with_timeout(config.instagram.clone(), Duration::from_secs(10));
        let threads = config.threads.as_ref().map(|app| {
            evergreen_instagram::threads::Client::with_timeout(app.endpoints.clone(), Duration::from_secs(10))
        });
        Self { config: Arc::new(config), store, instagram, threads, now }
    }

    /// Instagram's endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        self.instagram.endpoints()
    }
}
