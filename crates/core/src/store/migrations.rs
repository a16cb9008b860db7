//! The schema, as versioned migrations (SQLite's `user_version`). Migrations only add.

use rusqlite_migration::{M, Migrations};

/// Every migration, oldest first. Never edit one that has shipped; add another.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
        CREATE TABLE accounts (
            id                  TEXT PRIMARY KEY,
            instagram_user_id   TEXT NOT NULL UNIQUE,
            username            TEXT NOT NULL,
            account_type        TEXT NOT NULL,
            profile_picture_url TEXT,
            status              TEXT NOT NULL,
            status_reason       TEXT,
            token_expires_at    INTEGER NOT NULL,
            token_refreshed_at  INTEGER NOT NULL,
            last_validated_at   INTEGER,
            next_refresh_at     INTEGER,
            created_at          INTEGER NOT NULL,
            updated_at          INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX accounts_next_refresh_at ON accounts (next_refresh_at);

        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;

        -- The audit trail outlives the accounts it mentions: no foreign key.
        CREATE TABLE events (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id TEXT,
            at         INTEGER NOT NULL,
            kind       TEXT NOT NULL,
            detail     TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX events_account_at ON events (account_id, at);

        CREATE TABLE notifications_sent (
            account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            kind             TEXT NOT NULL,
            token_expires_at INTEGER NOT NULL,
            sent_at          INTEGER NOT NULL,
            PRIMARY KEY (account_id, kind, token_expires_at)
        ) STRICT;
        "#,
        ),
        // 2: the refresh engine's memory of failures, for backoff and "failing since".
        M::up(
            r#"
        ALTER TABLE accounts ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE accounts ADD COLUMN failing_since INTEGER;
        "#,
        ),
        // 3: the app-scoped id Instagram's code exchange and `/me`'s `id` name (the account
        // stays keyed on the professional `user_id`), and tokens to remove at the next unlock
        // for accounts disconnected while the vault was locked.
        M::up(
            r#"
        ALTER TABLE accounts ADD COLUMN app_scoped_id TEXT;
        CREATE TABLE forgotten_tokens (
            account_id TEXT PRIMARY KEY,
            at         INTEGER NOT NULL
        ) STRICT;
        "#,
        ),
        // A person's labels for accounts (the client or brand), apart from Instagram's data.
        M::up(
            r#"
        CREATE TABLE account_labels (
            account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
            label      TEXT NOT NULL
        ) STRICT;
        "#,
        ),
        // 5: accounts on more than one network. Every account so far is Instagram's; the id is
        // the network's and unique per network. (The column keeps migration 1's UNIQUE: SQLite
        // drops a constraint only by rebuilding the table, whose DROP would cascade to the
        // labels and sent notifications. Two networks naming an account with the same id would
        // be refused, never merged: every lookup is by network and id.)
        M::up(
            r#"
        ALTER TABLE accounts ADD COLUMN network TEXT NOT NULL DEFAULT 'instagram';
        ALTER TABLE accounts RENAME COLUMN instagram_user_id TO network_user_id;
        CREATE UNIQUE INDEX accounts_network_user ON accounts (network, network_user_id);
        "#,
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    /// A profile from before Threads: every account is Instagram's, keeps its id, its label and
    /// its sent notifications.
    #[test]
    fn accounts_of_before_threads_are_instagrams_and_keep_what_hangs_on_them() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        super::migrations().to_version(&mut conn, 4).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (id, instagram_user_id, username, account_type, status, token_expires_at,
                token_refreshed_at, created_at, updated_at)
             VALUES ('a1', '17841400001', 'evergreen.shop', 'BUSINESS', 'connected', 2, 1, 1, 1);
             INSERT INTO account_labels (account_id, label) VALUES ('a1', 'Harbour Cafe');
             INSERT INTO notifications_sent (account_id, kind, token_expires_at, sent_at) VALUES ('a1', 'expiring', 2, 1);",
        )
        .unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let (network, id): (String, String) = conn
            .query_row("SELECT network, network_user_id FROM accounts WHERE id = 'a1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((network.as_str(), id.as_str()), ("instagram", "17841400001"));
        let label: String = conn.query_row("SELECT label FROM account_labels", [], |r| r.get(0)).unwrap();
        assert_eq!(label, "Harbour Cafe");
        let sent: i64 = conn.query_row("SELECT COUNT(*) FROM notifications_sent", [], |r| r.get(0)).unwrap();
        assert_eq!(sent, 1);
        // A Threads account beside it, and the same id twice on one network refused.
        let insert = |id: &str, network: &str, user: &str| {
            conn.execute(
                "INSERT INTO accounts (id, network, network_user_id, username, account_type, status,
                    token_expires_at, token_refreshed_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'h', '', 'connected', 2, 1, 1, 1)",
                [id, network, user],
            )
        };
        insert("a2", "threads", "25840001").unwrap();
        assert!(insert("a3", "threads", "25840001").is_err(), "one id once per network");
    }
}
