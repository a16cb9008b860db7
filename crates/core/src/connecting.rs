//! Connecting accounts on the facade: start a flow at the relay, finish it from the link the
//! browser sends back, and save the account through the ledger (vault first).

use crate::account::{Account, AccountId, AccountStatus, AccountType, Network};
use crate::change::Change;
use crate::connect::{Collected, FlowPurpose, StartedFlow};
use crate::deep_link::FlowState;
use crate::store::{Event, EventKind};
use crate::vault::{self, TokenRecord, VaultChange, VaultState};
use crate::{Error, Evergreen};

/// What the network told us about an account when it was connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The account's network.
    pub network: Network,
    /// The network's id for it (Instagram's professional `user_id`, Threads' `id`).
    pub network_user_id: String,
    /// The app-scoped id (`/me`'s `id`), when Instagram gave it.
    pub app_scoped_id: Option<String>,
    /// Handle without `@`.
    pub username: String,
    /// Business or creator.
    pub account_type: AccountType,
    /// Avatar URL.
    pub profile_picture_url: Option<String>,
}

/// A finished connection, for the confirmation the user sees.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The account as saved.
    pub account: Account,
    /// It existed before (a reconnect or a repeat), and was updated in place.
    pub reconnected: bool,
    /// The flow's state (the waiting dialog matches it).
    pub state: FlowState,
    /// The user asked to reconnect this account but signed in to another one.
    pub wrong_account: Option<String>,
}

impl Evergreen {
    /// The purpose of "Reconnect" on the account the UI names.
    pub fn reconnect_purpose(&self, id: &str) -> Result<FlowPurpose, Error> {
        let account = self.account(id)?;
        Ok(FlowPurpose::Reconnect { network: account.network, network_user_id: account.network_user_id })
    }

    /// Start connecting an account on `network` (a reconnect is on its account's network,
    /// whatever is asked): a flow at the relay, whose login page the shell opens.
    pub async fn start_connect(&self, network: Network, purpose: FlowPurpose) -> Result<StartedFlow, Error> {
        if self.vault_state() != VaultState::Unlocked {
            return Err(vault::Error::Locked.into());
        }
        let network = match &purpose {
            FlowPurpose::Reconnect { network, .. } => *network,
            _ => network,
        };
        self.connector().start(network, purpose).await
    }

    /// The login page of a pending flow, to open again.
    pub fn connect_url(&self, state: &FlowState) -> Option<String> {
        self.connector().authorize_url(state)
    }

    /// Forget a pending flow; its link will be refused.
    pub fn cancel_connect(&self, state: &FlowState) -> bool {
        self.connector().cancel(state)
    }

    /// Finish a flow from the link the browser sent back: collect the token with the flow's
    /// verifier, make sure it is the account the relay says (`GET /me`), and save it (vault
    /// first). Every failure is an error with its own message; a refused link changes
    /// nothing, and leaves the flow waiting for the real one.
    pub async fn finish_connect(&self, link: &str) -> Result<Connection, Error> {
        // Locked: refuse before touching the flow, so the link can be used after unlocking.
        if self.vault_state() != VaultState::Unlocked {
            self.connector().receive_link(link)?;
            return Err(vault::Error::Locked.into());
        }
        // Counted as a call in flight from the handoff to the save: a lock waits for it, so a
        // token the relay hands over only once is never lost to a lock in between (a quit waits
        // for it too, up to the shell's few seconds).
        let Some(_call) = self.engine().start_call() else {
            self.connector().receive_link(link)?;
            return Err(vault::Error::Locked.into());
        };
        let accepted = self.connector().receive_link(link)?;
        let Collected { handoff, purpose, state } = self.connector().collect_accepted(accepted).await?;
        let now = self.now();
        let lifetime = chrono::Duration::seconds(
            i64::try_from(handoff.expires_in).unwrap_or(i64::MAX).min(366 * 86_400),
        );
        // The relay could be wrong or compromised: the token must belong to the account it
        // names, or it would be saved under another account's row.
        let network = handoff.network;
        let me = self
            .networks()
            .me(network, &handoff.access_token)
            .await
            .map_err(|_| crate::connect::Error::IdentityUnconfirmed)?;
        if me.user_id.0 != handoff.user_id {
            tracing::warn!("the relay's handoff names another account than its token");
            return Err(crate::connect::Error::IdentityMismatch.into());
        }
        let wanted = match &purpose {
            FlowPurpose::Reconnect { network: wanted, network_user_id }
                if *wanted != network || *network_user_id != handoff.user_id =>
            {
                self.store().read(|r| r.account_by_network_id(*wanted, network_user_id))?.map(|a| a.username)
            }
            _ => None,
        };
        let profile = Profile {
            network,
            network_user_id: me.user_id.0.clone(),
            app_scoped_id: me.id.as_ref().map(|i| i.0.clone()).or(handoff.app_scoped_id),
            username: me.username.clone(),
            account_type: AccountType::parse(me.account_type.as_deref().unwrap_or(&handoff.account_type)),
            profile_picture_url: me.profile_picture_url.clone().or(handoff.profile_picture_url),
        };
        let record =
            TokenRecord { network, token: handoff.access_token, issued_at: now, expires_at: now + lifetime };
        let (account, reconnected) = self.save_connection(profile, record)?;
        Ok(Connection { account, reconnected, state, wrong_account: wanted })
    }

    /// Save a freshly connected account through the ledger: token in the vault first, then
    /// the metadata, matched on Instagram's user id so a reconnect repairs the same account
    /// and never duplicates it. A renewal of the old token still in flight is dropped.
    /// Returns the account and whether it already existed.
    pub fn save_connection(&self, profile: Profile, record: TokenRecord) -> Result<(Account, bool), Error> {
        if self.vault_state() != VaultState::Unlocked {
            return Err(vault::Error::Locked.into());
        }
        let now = self.now();
        let saved = self.ledger().now(self, |replacing| {
            let (existing, policy) = self.store().read(|r| {
                Ok((r.account_by_network_id(profile.network, &profile.network_user_id)?, r.refresh_policy()?))
            })?;
            let reconnect = existing.is_some();
            let account = Account {
                id: existing.as_ref().map_or_else(AccountId::new, |a| a.id),
                network: profile.network,
                network_user_id: profile.network_user_id,
                app_scoped_id: profile
                    .app_scoped_id
                    .or_else(|| existing.as_ref().and_then(|a| a.app_scoped_id.clone())),
                username: profile.username,
                account_type: profile.account_type,
                profile_picture_url: profile.profile_picture_url,
                status: AccountStatus::Connected,
                status_reason: None,
                token_expires_at: record.expires_at,
                token_refreshed_at: record.issued_at,
                last_validated_at: Some(now),
                next_refresh_at: Some(record.issued_at + policy.refresh_after()),
                created_at: existing.as_ref().map_or(now, |a| a.created_at),
                updated_at: now,
                refresh_failures: 0,
                failing_since: None,
            };
            // An old record that cannot be read is worth nothing to put back.
            let before = self.vault().get(&account.id).ok().flatten();
            self.vault().apply(vec![VaultChange::Put(account.id, record)])?;
            // Only once the new token is durable: a failed save forgets nothing.
            replacing.replace(account.id);
            let (kind, verb) = if reconnect {
                (EventKind::Reconnected, "Reconnected")
            } else {
                (EventKind::Connected, "Connected")
            };
            let written = self.store().write(|w| {
                w.save_account(&account)?;
                w.token_forgotten(account.id)?;
                w.record_event(&Event {
                    account: Some(account.id),
                    at: now,
                    kind,
                    detail: format!(
                        "{verb} @{}; access valid until {}",
                        account.username,
                        account.token_expires_at.format("%-d %b %Y")
                    ),
                })
            });
            if let Err(error) = written {
                // The person is told the connect failed, so it must change nothing: a new
                // token beside a row still saying "Reconnect" would never be renewed.
                let undo = match before {
                    Some(old) => VaultChange::Put(account.id, old),
                    None => VaultChange::Remove(account.id),
                };
                if let Err(undo_error) = self.vault().apply(vec![undo]) {
                    // Left as it is, the next unlock lists it again (or repairs its dates).
                    tracing::error!(%undo_error, "a connect that could not be saved is still in the vault");
                }
                return Err(error.into());
            }
            Ok((account, reconnect))
        })?;
        self.emit(Change::AccountsChanged);
        self.engine().wake.notify_waiters();
        Ok(saved)
    }
}
