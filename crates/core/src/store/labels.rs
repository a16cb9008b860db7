//! The `account_labels` table: a person's tags, apart from Instagram's data so that saving
//! an account never touches them; a label goes with its account (`ON DELETE CASCADE`).

use super::{Reader, Result, Writer};
use crate::account::AccountId;
use crate::label::{Label, Labels};

impl Reader<'_> {
    /// Every account's label.
    pub fn labels(&self) -> Result<Labels> {
        let mut stmt = self.conn.prepare_cached("SELECT account_id, label FROM account_labels")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut labels = Labels::new();
        for row in rows {
            let (id, label) = row?;
            if let Ok(id) = id.parse() {
                labels.insert(id, Label::stored(label));
            }
        }
        Ok(labels)
    }
}

impl Writer<'_> {
    /// Set (or, with `None`, remove) the label of `id`.
    pub fn set_label(&self, id: AccountId, label: Option<&Label>) -> Result<()> {
        match label {
            Some(label) => self.tx.execute(
                "INSERT INTO account_labels (account_id, label) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET label = excluded.label",
                rusqlite::params![id.to_string(), label.as_str()],
            )?,
            None => self.tx.execute("DELETE FROM account_labels WHERE account_id = ?1", [id.to_string()])?,
        };
        Ok(())
    }
}
