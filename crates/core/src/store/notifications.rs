//! The `notifications_sent` table: which notification went out for which token generation,
//! so a restart never repeats one.

use chrono::{DateTime, Utc};

use super::{Reader, Result, Writer, to_db};
use crate::account::AccountId;

/// The notifications Evergreen can send about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// The token dies within the first warning window while renewals fail.
    ExpiresSoon,
    /// The token dies within the last warning window while renewals fail.
    ExpiresVerySoon,
    /// The token is dead.
    NeedsReconnect,
    /// Instagram wants a login on instagram.com.
    NeedsInstagramLogin,
    /// The vault is locked while this account's renewal is due.
    VaultLocked,
}

impl NotificationKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExpiresSoon => "expires_soon",
            Self::ExpiresVerySoon => "expires_very_soon",
            Self::NeedsReconnect => "needs_reconnect",
            Self::NeedsInstagramLogin => "needs_instagram_login",
            Self::VaultLocked => "vault_locked",
        }
    }
}

impl Reader<'_> {
    /// Whether `kind` was sent for this token generation (identified by its expiry).
    pub fn notification_sent(
        &self,
        account: AccountId,
        kind: NotificationKind,
        token_expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM notifications_sent
             WHERE account_id = ?1 AND kind = ?2 AND token_expires_at = ?3)",
        )?;
        Ok(stmt.query_row((account.to_string(), kind.as_str(), to_db(token_expires_at)), |r| r.get(0))?)
    }
}

impl Writer<'_> {
    /// Remember that `kind` was sent for this token generation. Returns false if it already was.
    pub fn mark_notification_sent(
        &self,
        account: AccountId,
        kind: NotificationKind,
        token_expires_at: DateTime<Utc>,
        sent_at: DateTime<Utc>,
    ) -> Result<bool> {
        let inserted = self.tx.execute(
            "INSERT OR IGNORE INTO notifications_sent (account_id, kind, token_expires_at, sent_at)
             VALUES (?1, ?2, ?3, ?4)",
            (account.to_string(), kind.as_str(), to_db(token_expires_at), to_db(sent_at)),
        )?;
        Ok(inserted > 0)
    }
}
