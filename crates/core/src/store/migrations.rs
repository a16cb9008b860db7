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
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
