//! A person's own tag for an account: the client or brand it belongs to ("Harbour Cafe").
//! Kept in the metadata store only (never sent anywhere), shown on the card, the switcher,
//! the tray and notifications, and filtered by.

use std::collections::HashMap;

use crate::account::{AccountId, Network};
use crate::{Error, Evergreen};

/// The longest label, in characters: it must fit beside a handle in a tray line.
pub const MAX_CHARS: usize = 40;

/// A label as stored: trimmed, inner runs of white space made one space, 1 to
/// [`MAX_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

/// Why a label was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Longer than [`MAX_CHARS`].
    #[error("A label can be at most {MAX_CHARS} characters.")]
    TooLong,
    /// A control character (a line break, a tab, …) or a direction override, which would
    /// turn the rest of a tray line or notification around.
    #[error("A label is one line of plain text: no line breaks, tabs or direction marks.")]
    ControlCharacter,
}

impl Label {
    /// What the person typed: `None` when it is empty (the label is removed).
    pub fn parse(typed: &str) -> Result<Option<Self>, LabelError> {
        let overrides_direction = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if typed.chars().any(|c| c.is_control() || overrides_direction(c)) {
            return Err(LabelError::ControlCharacter);
        }
        let tidy = typed.split_whitespace().collect::<Vec<_>>().join(" ");
        match tidy.chars().count() {
            0 => Ok(None),
            n if n > MAX_CHARS => Err(LabelError::TooLong),
            _ => Ok(Some(Self(tidy))),
        }
    }

    /// A label read back from the store (written through [`Label::parse`]).
    pub(crate) fn stored(text: String) -> Self {
        Self(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every labelled account's label.
pub type Labels = HashMap<AccountId, Label>;

/// "@brand", "@brand on Threads", "@brand (Harbour Cafe)": how notifications name an
/// account. An Instagram account goes by its handle alone, as it always has; any other
/// network's is named, since the same handle is often on both.
pub fn named(username: &str, network: Network, label: Option<&Label>) -> String {
    let on = match network {
        Network::Instagram => String::new(),
        other => format!(" on {}", other.name()),
    };
    match label {
        Some(label) => format!("@{username}{on} ({label})"),
        None => format!("@{username}{on}"),
    }
}

impl Evergreen {
    /// Tag the account `id` with `label` (empty: remove the tag). Works locked too: the label
    /// is metadata, not a secret.
    pub fn set_label(&self, id: &str, label: &str) -> Result<(), Error> {
        let id: AccountId = id.parse().map_err(|_| Error::UnknownAccount)?;
        let label = Label::parse(label)?;
        self.store()
            .write(|w| {
                if w.reader().account(id)?.is_none() {
                    return Ok(false);
                }
                w.set_label(id, label.as_ref())?;
                Ok(true)
            })?
            .then_some(())
            .ok_or(Error::UnknownAccount)?;
        self.emit(crate::Change::AccountUpdated { id });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_tidied_and_bounded() {
        assert_eq!(Label::parse("  Harbour   Cafe ").unwrap().unwrap().as_str(), "Harbour Cafe");
        assert_eq!(Label::parse("   ").unwrap(), None);
        assert_eq!(Label::parse("").unwrap(), None);
        assert_eq!(Label::parse("Café Ünïcode ☕").unwrap().unwrap().as_str(), "Café Ünïcode ☕");
        assert_eq!(
            Label::parse(&"é".repeat(MAX_CHARS)).unwrap().unwrap().as_str().chars().count(),
            MAX_CHARS
        );
        assert_eq!(Label::parse(&"x".repeat(MAX_CHARS + 1)), Err(LabelError::TooLong));
        assert_eq!(Label::parse("two\nlines"), Err(LabelError::ControlCharacter));
        assert_eq!(Label::parse("tab\there"), Err(LabelError::ControlCharacter));
        assert_eq!(Label::parse("nul\0"), Err(LabelError::ControlCharacter));
        assert_eq!(Label::parse("abc\u{202E}fed"), Err(LabelError::ControlCharacter));
        assert_eq!(Label::parse("\u{2067}isolate"), Err(LabelError::ControlCharacter));
    }

    #[test]
    fn notifications_name_a_labelled_account_with_its_label() {
        let label = Label::parse("Harbour Cafe").unwrap();
        assert_eq!(named("brand", Network::Instagram, label.as_ref()), "@brand (Harbour Cafe)");
        assert_eq!(named("brand", Network::Instagram, None), "@brand");
        assert_eq!(named("brand", Network::Threads, None), "@brand on Threads");
        assert_eq!(named("brand", Network::Threads, label.as_ref()), "@brand on Threads (Harbour Cafe)");
    }
}
