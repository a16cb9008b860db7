//! The `settings` table: small JSON values by key. Typed access lives with the settings
//! themselves (`crate::settings`).

use rusqlite::OptionalExtension;

use super::{Reader, Result, Writer};

impl Reader<'_> {
    /// The raw value stored under `key`.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?;
        Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
    }
}

impl Writer<'_> {
    /// Store `value` under `key`.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Forget `key`.
    pub fn remove_setting(&self, key: &str) -> Result<()> {
        self.tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }
}
