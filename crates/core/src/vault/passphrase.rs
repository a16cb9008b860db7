//! The user's vault passphrase.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Shortest passphrase accepted when creating or changing one (Bitwarden's floor).
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// A passphrase. Never printed; wiped from memory when dropped. Deserializable, so an IPC
/// argument becomes one without passing through a plain `String` field of ours.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    /// Wrap a passphrase.
    pub fn new(passphrase: String) -> Self {
        Self(passphrase)
    }

    /// Whether it is long enough for a new vault.
    pub fn is_strong_enough(&self) -> bool {
        self.0.chars().count() >= MIN_PASSPHRASE_CHARS
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

impl<'de> Deserialize<'de> for Passphrase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_counts_characters_not_bytes() {
        assert!(!Passphrase::new("short".into()).is_strong_enough());
        assert!(Passphrase::new("ééééééééééëë".into()).is_strong_enough());
        assert!(!Passphrase::new("ééééééééééé".into()).is_strong_enough());
    }

    #[test]
    fn never_prints() {
        assert_eq!(format!("{:?}", Passphrase::new("hunter2hunter2".into())), "Passphrase([redacted])");
    }
}
