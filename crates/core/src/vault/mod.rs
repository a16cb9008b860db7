//! The token vault: the only place a token lives at rest.
//!
//! [`TokenVault`] is the product's seam; [`StrongholdVault`] is the implementation (an IOTA
//! Stronghold snapshot, since `tauri-plugin-stronghold` is deprecated for Tauri v3 the trait
//! keeps the rest of the product independent of it).
//!
//! Keys: the passphrase goes through Argon2id (product default 64 MiB, t=3, p=4, raised on
//! unlock if the vault was made with less) into a key-encryption key that wraps a random
//! 32-byte data key in `vault.json`; the data key encrypts the snapshot. So a wrong
//! passphrase is told apart from a damaged snapshot (the wrap's tag fails, not the
//! snapshot), and changing the passphrase rewrites one small file atomically instead of
//! re-encrypting the vault.
//!
//! Files: every save writes a new snapshot beside the old one, fsyncs it, keeps the old one as
//! `vault.stronghold.prev` (the last good copy) and renames the new one into place, then
//! fsyncs the directory. A crash at any point leaves a snapshot that opens with either the
//! old or the new content. A snapshot that fails to open is never written over.

mod files;
mod header;
mod passphrase;
mod records;
mod stronghold;

use chrono::{DateTime, Utc};
use evergreen_instagram::{AccessToken, Network};

fn instagram() -> Network {
    Network::Instagram
}
use serde::{Deserialize, Serialize};

pub use header::KdfParams;
pub use passphrase::{MIN_PASSPHRASE_CHARS, Passphrase};
pub use stronghold::{FailNext, StrongholdVault};

use crate::account::AccountId;
use crate::keyring::{VaultId, WrappingKey};

/// What the vault keeps per account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The network the token is for (a record saved before Threads is Instagram's): what an
    /// orphan token is asked about.
    #[serde(default = "instagram")]
    pub network: Network,
    /// The long-lived token. Serialized only here, inside the encrypted snapshot.
    #[serde(with = "evergreen_instagram::serde_expose")]
    pub token: AccessToken,
    /// When Instagram issued it (connect or refresh).
    pub issued_at: DateTime<Utc>,
    /// When it dies.
    pub expires_at: DateTime<Utc>,
}

/// One change in a grouped write.
#[derive(Debug)]
pub enum VaultChange {
    /// Store (or replace) an account's token.
    Put(AccountId, TokenRecord),
    /// Forget an account's token.
    Remove(AccountId),
}

/// Whether a vault exists and can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultState {
    /// None created yet in this profile.
    Missing,
    /// Created, key not in memory.
    Locked,
    /// Key in memory; tokens readable.
    Unlocked,
}

/// Which file of the vault is damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamagedPart {
    /// `vault.json`: the key parameters.
    Header,
    /// `vault.stronghold`: the tokens.
    Snapshot,
}

/// Vault failures, each with a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing to unlock: no vault in this profile.
    #[error("There is no vault yet. Create one to start connecting accounts.")]
    Missing,
    /// `create` on a profile that has one.
    #[error("A vault already exists here. Unlock it, or reset it if you forgot the passphrase.")]
    AlreadyExists,
    /// The key is not in memory.
    #[error("The vault is locked. Unlock it to continue.")]
    Locked,
    /// The passphrase does not unwrap the vault's key.
    #[error("That passphrase doesn't open this vault. Check it and try again.")]
    WrongPassphrase,
    /// Too short to protect the tokens.
    #[error(
        "Choose a passphrase of at least {MIN_PASSPHRASE_CHARS} characters. A few random words are strong and easy to remember."
    )]
    WeakPassphrase,
    /// A file could not be read as a vault. Nothing was changed on disk.
    #[error("{}", damaged_message(*part, *last_good))]
    Damaged {
        /// Which file.
        part: DamagedPart,
        /// When the last good copy was saved, if one opens with this passphrase.
        last_good: Option<DateTime<Utc>>,
    },
    /// The disk refused a read or write.
    #[error(
        "Evergreen couldn't read or write its vault file ({0}). Check that the disk has space and try again."
    )]
    Io(#[from] std::io::Error),
    /// Automatic unlock is off for this vault (no wrap for the login keyring's key).
    #[error("Automatic unlock is off for this vault. Unlock it with its passphrase.")]
    NoKeyringWrap,
    /// The login keyring's key does not open this vault.
    #[error(
        "The key in your login keyring doesn't open this vault. Unlock it with its passphrase, then turn automatic unlock on again in Settings."
    )]
    WrongKeyringKey,
    /// Stronghold failed in a way that is not about the file's content.
    #[error("The vault failed unexpectedly. Try again; if it keeps happening, restart Evergreen.")]
    Internal(String),
}

fn damaged_message(part: DamagedPart, last_good: Option<DateTime<Utc>>) -> String {
    match (part, last_good) {
        (DamagedPart::Header, Some(at)) => format!(
            "The vault's settings file is damaged; your last good copy is from {}. Restore it to continue.",
            at.format("%-d %b %Y, %H:%M UTC")
        ),
        (DamagedPart::Header, None) => {
            "The vault's settings file is damaged, so the vault can't be opened. Nothing was changed; \
             reset the vault to start again."
                .into()
        }
        (DamagedPart::Snapshot, Some(at)) => format!(
            "The vault file is damaged; your last good copy is from {}. Restore it to continue.",
            at.format("%-d %b %Y, %H:%M UTC")
        ),
        (DamagedPart::Snapshot, None) => {
            "The vault file is damaged and there is no good copy to go back to. Nothing was changed; \
             reset the vault and reconnect your accounts."
                .into()
        }
    }
}

/// Where tokens live. Implementations keep the key in memory only while unlocked, make every
/// successful write durable before returning, and never write over a file they could not open.
pub trait TokenVault: Send + Sync {
    /// Missing, locked or unlocked.
    fn state(&self) -> VaultState;
    /// Create an empty vault protected by `passphrase`, and leave it unlocked.
    fn create(&self, passphrase: &Passphrase) -> Result<(), Error>;
    /// Derive the key and open the vault.
    fn unlock(&self, passphrase: &Passphrase) -> Result<(), Error>;
    /// Forget the key and every token in memory.
    fn lock(&self);
    /// Replace a damaged header or snapshot by its last good copy, keeping the damaged file
    /// aside, and unlock. A file that opens is never replaced.
    fn restore_last_good(&self, passphrase: &Passphrase) -> Result<(), Error>;
    /// Protect the vault with a new passphrase (and a new data key); the current one must be
    /// given. With automatic unlock on, `keyring` (the login keyring's key, if it could be
    /// read) wraps the new data key too; without it, or if it does not open the vault,
    /// automatic unlock is off afterwards.
    fn change_passphrase(
        &self,
        current: &Passphrase,
        new: &Passphrase,
        keyring: Option<&WrappingKey>,
    ) -> Result<(), Error>;
    /// The id the login keyring's item is found by, while automatic unlock is on.
    fn keyring_vault_id(&self) -> Result<Option<VaultId>, Error>;
    /// Every id the header or its spare copy names, also when the header is damaged: the
    /// login keyring's items a reset must take away.
    fn keyring_vault_ids_on_disk(&self) -> Vec<VaultId>;
    /// Turn automatic unlock on: check `passphrase`, then wrap the data key under `key` as
    /// well, for the item found by `vault_id`. Replaces any earlier wrap.
    fn add_keyring_wrap(
        &self,
        passphrase: &Passphrase,
        vault_id: &VaultId,
        key: &WrappingKey,
    ) -> Result<(), Error>;
    /// Turn automatic unlock off: the wrap goes (and its spare copy). Returns the id it named.
    fn remove_keyring_wrap(&self) -> Result<Option<VaultId>, Error>;
    /// Open the vault with the login keyring's key: no Argon2 on this way in.
    fn unlock_with_keyring(&self, key: &WrappingKey) -> Result<(), Error>;
    /// Erase the vault from disk: every token is gone. Afterwards the state is `Missing`.
    fn reset(&self) -> Result<(), Error>;
    /// An account's token record.
    fn get(&self, account: &AccountId) -> Result<Option<TokenRecord>, Error>;
    /// Every account that has a token.
    fn accounts(&self) -> Result<Vec<AccountId>, Error>;
    /// Apply changes with one durable save.
    fn apply(&self, changes: Vec<VaultChange>) -> Result<(), Error>;
}
