//! What the dashboard shows live from Instagram: the profile and recent posts, read with the
//! account's token (which never leaves the core).

use evergreen_instagram::{Me, MediaPage};

use crate::{Error, Evergreen, vault};

/// Why the dashboard could not read Instagram.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The account has no token (needs a reconnect).
    #[error("This account needs Reconnect before Evergreen can read it.")]
    NoToken,
    /// Instagram did not answer or refused.
    #[error("Couldn't reach Instagram just now. Showing what Evergreen knew at the last check.")]
    Instagram(#[from] evergreen_instagram::ApiError),
}

impl Evergreen {
    fn token_of(&self, id: &str) -> Result<vault::TokenRecord, Error> {
        let account = self.account(id)?;
        self.vault().get(&account.id)?.ok_or(Error::Live(LiveError::NoToken))
    }

    /// `GET /me` for the account, now.
    pub async fn live_profile(&self, id: &str) -> Result<Me, Error> {
        let record = self.token_of(id)?;
        Ok(self.instagram().me(&record.token).await.map_err(LiveError::from)?)
    }

    /// A page of the account's recent posts; `after` from the previous page.
    pub async fn recent_media(&self, id: &str, after: Option<&str>) -> Result<MediaPage, Error> {
        let record = self.token_of(id)?;
        Ok(self.instagram().media(&record.token, after, 12).await.map_err(LiveError::from)?)
    }
}
