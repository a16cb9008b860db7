//! Secrets that travel to and from Instagram.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// An Instagram access token (short- or long-lived). It exists in the vault, in memory while
/// used and in the one HTTPS request that uses it: it is never printed (`Debug` says
/// `[redacted]`, there is no `Display`), never `Serialize` except through
/// [`serde_expose`] where a caller opts in on purpose, and wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wrap a token received from Instagram, the relay or the vault.
    pub fn new(token: String) -> Self {
        Self(token)
    }

    /// The token itself, for the request that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// The app's client secret, held only by the relay.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wrap the secret read from the relay's configuration.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

/// Opt-in serialization of an [`AccessToken`] as a plain string, for the two places that
/// must write one: the vault's record and the relay's handoff response.
/// Use as `#[serde(with = "evergreen_instagram::serde_expose")]`.
pub mod serde_expose {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::AccessToken;

    /// Write the token as a string.
    pub fn serialize<S: Serializer>(token: &AccessToken, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(token.expose())
    }

    /// Read a token from a string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<AccessToken, D::Error> {
        String::deserialize(deserializer).map(AccessToken::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", AccessToken::new("IGAAsecret".into())), "AccessToken([redacted])");
        assert_eq!(format!("{:?}", ClientSecret::new("s3cret".into())), "ClientSecret([redacted])");
    }
}
