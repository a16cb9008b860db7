//! What the dashboard shows live from the account's network: the profile and (Instagram's)
//! recent posts, read with the account's token (which never leaves the core).

use evergreen_instagram::{Me, MediaPage, Network};

use crate::{Error, Evergreen, vault};

/// Why the dashboard could not read Instagram.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The account has no token (needs a reconnect).
    #[error("This account needs Reconnect before Evergreen can read it.")]
    NoToken,
    /// The network did not answer or refused.
    #[error("Couldn't reach {} just now. Showing what Evergreen knew at the last check.", .0.network)]
    Instagram(#[from] evergreen_instagram::ApiError),
}

impl Evergreen {
    fn token_of(&self, id: &str) -> Result<(Network, vault::TokenRecord), Error> {
        let account = self.account(id)?;
        let record = self.vault().get(&account.id)?.ok_or(Error::Live(LiveError::NoToken))?;
        Ok((account.network, record))
    }

    /// `GET /me` for the account on its network, now.
    pub async fn live_profile(&self, id: &str) -> Result<Me, Error> {
        let (network, record) = self.token_of(id)?;
        Ok(self.networks().me(network, &record.token).await.map_err(LiveError::from)?)
    }

    /// A page of the account's recent posts; `after` from the previous page. Only Instagram's
    /// are read: a Threads account has an empty page (the dashboard says why).
    pub async fn recent_media(&self, id: &str, after: Option<&str>) -> Result<MediaPage, Error> {
        let (network, record) = self.token_of(id)?;
        if network != Network::Instagram {
            return Ok(MediaPage::default());
        }
        Ok(self.networks().instagram().media(&record.token, after, 12).await.map_err(LiveError::from)?)
    }
}
