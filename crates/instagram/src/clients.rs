//! Every network's client in one place, chosen by [`Network`]: the one `match` over networks
//! that renewal and profile reads go through. A third network is a module beside
//! [`crate::threads`] and an arm in each method here.

use std::time::Duration;

use crate::error::ApiError;
use crate::wire::{LongLivedToken, Me};
use crate::{AccessToken, Client, Endpoints, Network, threads};

/// The clients of every network.
#[derive(Clone)]
pub struct Clients {
    instagram: Client,
    threads: threads::Client,
}

impl Clients {
    /// Clients for these endpoints, each call bounded by `timeout`.
    pub fn new(instagram: Endpoints, threads: threads::Endpoints, timeout: Duration) -> Self {
        Self {
            instagram: Client::with_timeout(instagram, timeout),
            threads: threads::Client::with_timeout(threads, timeout),
        }
    }

    /// Instagram's client (media, which only Instagram's accounts show).
    pub fn instagram(&self) -> &Client {
        &self.instagram
    }

    /// Threads' client.
    pub fn threads(&self) -> &threads::Client {
        &self.threads
    }

    /// Renew a long-lived token on its network.
    pub async fn refresh(&self, network: Network, token: &AccessToken) -> Result<LongLivedToken, ApiError> {
        match network {
            Network::Instagram => self.instagram.refresh(token).await,
            Network::Threads => self.threads.refresh(token).await,
        }
    }

    /// The account behind `token` on its network.
    pub async fn me(&self, network: Network, token: &AccessToken) -> Result<Me, ApiError> {
        match network {
            Network::Instagram => self.instagram.me(token).await,
            Network::Threads => self.threads.me(token).await,
        }
    }
}
