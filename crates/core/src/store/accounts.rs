//! The `accounts` table.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, named_params};

use super::{Reader, Result, Writer, due_to_db, from_db, to_db};
use crate::account::{Account, AccountId, AccountStatus, AccountType, Network, StatusReason};

const COLUMNS: &str = "id, network, network_user_id, username, account_type, profile_picture_url, status, \
     status_reason, token_expires_at, token_refreshed_at, last_validated_at, next_refresh_at, \
     created_at, updated_at, refresh_failures, failing_since, app_scoped_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let id: String = row.get("id")?;
    let opt_time = |name: &str| -> rusqlite::Result<Option<DateTime<Utc>>> {
        row.get::<_, Option<i64>>(name)?.map(from_db).transpose()
    };
    Ok(Account {
        id: id.parse().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, "account id".into())
        })?,
        network: {
            let word: String = row.get("network")?;
            Network::parse(&word).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("network {word:?}").into(),
                )
            })?
        },
        network_user_id: row.get("network_user_id")?,
        username: row.get("username")?,
        account_type: AccountType::parse(&row.get::<_, String>("account_type")?),
        profile_picture_url: row.get("profile_picture_url")?,
        status: AccountStatus::parse(&row.get::<_, String>("status")?),
        status_reason: row.get::<_, Option<String>>("status_reason")?.map(|r| StatusReason::parse(&r)),
        token_expires_at: from_db(row.get("token_expires_at")?)?,
        token_refreshed_at: from_db(row.get("token_refreshed_at")?)?,
        last_validated_at: opt_time("last_validated_at")?,
        next_refresh_at: opt_time("next_refresh_at")?,
        created_at: from_db(row.get("created_at")?)?,
        updated_at: from_db(row.get("updated_at")?)?,
        refresh_failures: row.get("refresh_failures")?,
        failing_since: opt_time("failing_since")?,
        app_scoped_id: row.get("app_scoped_id")?,
    })
}

impl Reader<'_> {
    /// Every account, by username.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts ORDER BY username, id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One account.
    pub fn account(&self, id: AccountId) -> Result<Option<Account>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"))?;
        Ok(stmt.query_row([id.to_string()], from_row).optional()?)
    }

    /// The account `network` calls `network_user_id`.
    pub fn account_by_network_id(&self, network: Network, network_user_id: &str) -> Result<Option<Account>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM accounts WHERE network = ?1 AND network_user_id = ?2"
        ))?;
        Ok(stmt.query_row([network.as_str(), network_user_id], from_row).optional()?)
    }

    /// Accounts disconnected while locked, whose tokens are still to be removed.
    pub fn tokens_to_forget(&self) -> Result<Vec<AccountId>> {
        let mut stmt = self.conn.prepare_cached("SELECT account_id FROM forgotten_tokens")?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids.into_iter().filter_map(|id| id.parse().ok()).collect())
    }

    /// The earliest `next_refresh_at` of any account (what the scheduler sleeps until).
    pub fn earliest_refresh(&self) -> Result<Option<DateTime<Utc>>> {
        let secs: Option<i64> =
            // The accounts the scheduler acts on (see `Evergreen::due_now`).
            self.conn.query_row(
                "SELECT MIN(next_refresh_at) FROM accounts WHERE status != 'needs_reconnect'",
                [],
                |r| r.get(0),
            )?;
        Ok(secs.map(from_db).transpose()?)
    }
}

impl Writer<'_> {
    /// Insert the account, or replace the row with the same id.
    pub fn save_account(&self, a: &Account) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "INSERT INTO accounts ({COLUMNS}) VALUES (:id, :network, :network_user_id, :username, :account_type, \
             :profile_picture_url, :status, :status_reason, :token_expires_at, :token_refreshed_at, \
             :last_validated_at, :next_refresh_at, :created_at, :updated_at, :refresh_failures, :failing_since, \
             :app_scoped_id)
             ON CONFLICT (id) DO UPDATE SET network = excluded.network,
               network_user_id = excluded.network_user_id,
               username = excluded.username, account_type = excluded.account_type,
               profile_picture_url = excluded.profile_picture_url, status = excluded.status,
               status_reason = excluded.status_reason, token_expires_at = excluded.token_expires_at,
               token_refreshed_at = excluded.token_refreshed_at,
               last_validated_at = excluded.last_validated_at, next_refresh_at = excluded.next_refresh_at,
               updated_at = excluded.updated_at, refresh_failures = excluded.refresh_failures,
               failing_since = excluded.failing_since, app_scoped_id = excluded.app_scoped_id"
        ))?;
        stmt.execute(named_params! {
            ":id": a.id.to_string(),
            ":network": a.network.as_str(),
            ":network_user_id": a.network_user_id,
            ":username": a.username,
            ":account_type": a.account_type.as_str(),
            ":profile_picture_url": a.profile_picture_url,
            ":status": a.status.as_str(),
            ":status_reason": a.status_reason.map(StatusReason::as_str),
            ":token_expires_at": to_db(a.token_expires_at),
            ":token_refreshed_at": to_db(a.token_refreshed_at),
            ":last_validated_at": a.last_validated_at.map(to_db),
            ":next_refresh_at": a.next_refresh_at.map(due_to_db),
            ":created_at": to_db(a.created_at),
            ":updated_at": to_db(a.updated_at),
            ":refresh_failures": a.refresh_failures,
            ":failing_since": a.failing_since.map(to_db),
            ":app_scoped_id": a.app_scoped_id,
        })?;
        Ok(())
    }

    /// Remove an account (its sent-notification marks go with it). Returns whether it existed.
    pub fn delete_account(&self, id: AccountId) -> Result<bool> {
        Ok(self.tx.execute("DELETE FROM accounts WHERE id = ?1", [id.to_string()])? > 0)
    }

    /// Remember that the person disconnected `id` while the vault was locked: its token is
    /// removed at the next unlock, never taken for an account whose metadata was lost.
    pub fn forget_token_later(&self, id: AccountId, at: DateTime<Utc>) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO forgotten_tokens (account_id, at) VALUES (?1, ?2)",
            rusqlite::params![id.to_string(), to_db(at)],
        )?;
        Ok(())
    }

    /// The token of `id` was removed: nothing left to forget.
    pub fn token_forgotten(&self, id: AccountId) -> Result<()> {
        self.tx.execute("DELETE FROM forgotten_tokens WHERE account_id = ?1", [id.to_string()])?;
        Ok(())
    }
}
