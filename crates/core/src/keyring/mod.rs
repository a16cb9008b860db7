//! The login keyring: the second way into the vault, for renewals that never wait for a
//! person (opt-in, Settings → "Unlock Evergreen automatically when I log in").
//!
//! The keyring holds one random 256-bit [`WrappingKey`] per vault, never a token; the vault's
//! header keeps the data key wrapped under it beside the passphrase's wrap (`vault/header.rs`).
//! [`LoginKeyring`] is the seam; [`SecretService`] the product's implementation (the
//! freedesktop Secret Service: GNOME Keyring, KWallet, KeePassXC). Nothing here prompts: a
//! locked collection is an answer ([`Error::Locked`]), not a reason to open a dialog, so a
//! start at login never waits on a person.

mod early;
mod secret_service;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rand::RngCore;
use zeroize::Zeroizing;

pub use early::Early;
pub use secret_service::SecretService;

/// What the item is called in the person's keyring (Passwords and Keys shows it).
pub const ITEM_LABEL: &str = "Evergreen vault key";
/// The attribute naming the app, and its value.
pub const APP_ATTRIBUTE: (&str, &str) = ("application", "app.evergreen");
/// The attribute naming the vault the key opens.
pub const VAULT_ATTRIBUTE: &str = "vault";

/// A boxed future, so the trait stays object-safe.
pub type KeyringFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The random key kept in the login keyring. Wiped when dropped; never printed.
#[derive(Clone)]
pub struct WrappingKey(Zeroizing<[u8; 32]>);

impl WrappingKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        Self(key)
    }

    /// The key read back from the keyring: exactly 32 bytes, or it is not ours.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        // Copied straight into the wiped buffer: no array left on the stack.
        let mut key = Zeroizing::new([0u8; 32]);
        (bytes.len() == key.len()).then(|| key.copy_from_slice(bytes))?;
        Some(Self(key))
    }

    /// The key's bytes, for the vault's wrap and the keyring's item.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WrappingKey([redacted])")
    }
}

/// Which vault a keyring item opens: a random id written in the vault's header when the
/// option is turned on (a new one each time, so an item left behind opens nothing newer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultId(String);

impl VaultId {
    /// A new random id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// An id read from a header; `None` unless it is a UUID (a damaged header).
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::parse_str(text).ok().map(|id| Self(id.to_string()))
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the keyring could not answer. Each is a reason the passphrase is needed this time,
/// worded for the person who will type it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No Secret Service on the session bus (or no session bus at all).
    #[error("Evergreen couldn't find a login keyring on this computer")]
    Unavailable,
    /// The collection is locked (the login did not unlock it, or someone locked it).
    #[error("Your login keyring was locked")]
    Locked,
    /// No item for this vault (deleted in the keyring's app, or a keyring that was replaced).
    #[error("Evergreen's key was no longer in your login keyring")]
    Missing,
    /// The item does not open this vault.
    #[error("The key in your login keyring doesn't open this vault")]
    WrongKey,
    /// The keyring did not answer in time.
    #[error("Your login keyring didn't answer in time")]
    TimedOut,
    /// Anything else the keyring said, with the start of its D-Bus error (which names no
    /// secret: the key only ever travels encrypted in the session's replies).
    #[error("Your login keyring refused ({0})")]
    Failed(String),
}

/// Where the wrapping key lives. Every call answers within the implementation's timeout and
/// never shows a prompt.
pub trait LoginKeyring: Send + Sync {
    /// Keep `key` for `vault`, replacing any item for the same vault.
    fn store<'a>(&'a self, vault: &'a VaultId, key: &'a WrappingKey) -> KeyringFuture<'a, ()>;
    /// The key kept for `vault`.
    fn fetch<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, WrappingKey>;
    /// Delete every item kept for `vault`; none is not an error.
    fn delete<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, ()>;
}

/// A keyring that is never there (tools, benchmarks, tests that do not look).
pub fn none() -> Arc<dyn LoginKeyring> {
    struct Absent;
    impl LoginKeyring for Absent {
        fn store<'a>(&'a self, _: &'a VaultId, _: &'a WrappingKey) -> KeyringFuture<'a, ()> {
            Box::pin(async { Err(Error::Unavailable) })
        }
        fn fetch<'a>(&'a self, _: &'a VaultId) -> KeyringFuture<'a, WrappingKey> {
            Box::pin(async { Err(Error::Unavailable) })
        }
        fn delete<'a>(&'a self, _: &'a VaultId) -> KeyringFuture<'a, ()> {
            Box::pin(async { Err(Error::Unavailable) })
        }
    }
    Arc::new(Absent)
}
