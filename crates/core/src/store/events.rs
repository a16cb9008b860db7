//! The `events` table: the audit trail of what happened to each account. Never a token.

use chrono::{DateTime, Utc};
use rusqlite::named_params;

use super::{Error, Reader, Result, Writer, from_db, to_db};
use crate::account::AccountId;

/// Rows kept; older ones are pruned as new ones arrive.
const KEEP: i64 = 5_000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An account was connected for the first time.
    Connected,
    /// An existing account was connected again.
    Reconnected,
    /// A token was renewed.
    Refreshed,
    /// A renewal or check failed.
    RefreshFailed,
    /// `/me` answered for the token.
    Validated,
    /// The account's status changed.
    StatusChanged,
    /// A desktop notification was sent.
    Notified,
    /// The account was disconnected by the user.
    Disconnected,
    /// The vault was created, unlocked, locked, reset or restored.
    Vault,
}

impl EventKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Reconnected => "reconnected",
            Self::Refreshed => "refreshed",
            Self::RefreshFailed => "refresh_failed",
            Self::Validated => "validated",
            Self::StatusChanged => "status_changed",
            Self::Notified => "notified",
            Self::Disconnected => "disconnected",
            Self::Vault => "vault",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "connected" => Self::Connected,
            "reconnected" => Self::Reconnected,
            "refreshed" => Self::Refreshed,
            "refresh_failed" => Self::RefreshFailed,
            "validated" => Self::Validated,
            "status_changed" => Self::StatusChanged,
            "notified" => Self::Notified,
            "disconnected" => Self::Disconnected,
            "vault" => Self::Vault,
            _ => return None,
        })
    }
}

/// A new event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The account it concerns, if any.
    pub account: Option<AccountId>,
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub kind: EventKind,
    /// Plain words; never a token, code or verifier.
    pub detail: String,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Row id: increasing.
    pub id: i64,
    /// The event.
    pub event: Event,
}

impl Reader<'_> {
    /// The newest `limit` events, newest first; only `account`'s when given.
    pub fn events(&self, limit: u32, account: Option<AccountId>) -> Result<Vec<StoredEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, account_id, at, kind, detail FROM events
             WHERE (:account IS NULL OR account_id = :account) ORDER BY id DESC LIMIT :limit",
        )?;
        let rows = stmt.query_map(
            named_params! { ":account": account.map(|a| a.to_string()), ":limit": limit },
            |r| {
                let account: Option<String> = r.get(1)?;
                let kind: String = r.get(3)?;
                Ok((r.get::<_, i64>(0)?, account, from_db(r.get(2)?)?, kind, r.get::<_, String>(4)?))
            },
        )?;
        rows.map(|row| {
            let (id, account, at, kind, detail) = row?;
            let kind = EventKind::parse(&kind).ok_or_else(|| Error::Corrupt(format!("event kind {kind}")))?;
            let account =
                account.map(|a| a.parse()).transpose().map_err(|_| Error::Corrupt("event account".into()))?;
            Ok(StoredEvent { id, event: Event { account, at, kind, detail } })
        })
        .collect()
    }
}

impl Writer<'_> {
    /// Append an event, pruning the oldest beyond the kept number.
    pub fn record_event(&self, e: &Event) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO events (account_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            (e.account.map(|a| a.to_string()), to_db(e.at), e.kind.as_str(), &e.detail),
        )?;
        let id = self.tx.last_insert_rowid();
        if id % 100 == 0 {
            self.tx.execute("DELETE FROM events WHERE id <= ?1", [id - KEEP])?;
        }
        Ok(id)
    }
}
