//! `vault.json`: the key-derivation parameters, the salt and the wrapped data key. Not secret:
//! without the passphrase it opens nothing.
//!
//! A checksum over every field tells damage apart from a wrong passphrase: the wrap's AEAD tag
//! fails the same way for both, so a flipped character would otherwise blame the passphrase
//! and push the person toward *reset*. The checksum guards against accidents, not attacks (the
//! AEAD does that). Argon2's costs are bounded before they reach Argon2: a damaged
//! `memory_kib` must be an error, not a 4 TB allocation.
//!
//! With automatic unlock on, the same data key is wrapped a second time under the login
//! keyring's random key (`keyring`): no Argon2 on that way in, since that key is random, not
//! chosen by a person. The checksum covers that wrap too.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{DamagedPart, Error, Passphrase};
use crate::keyring::{VaultId, WrappingKey};

/// 2: with a checksum. 1 (none) is still read, and rewritten as 2 at the next unlock.
const FORMAT: u32 = 2;
const LEGACY_FORMAT: u32 = 1;
/// Costs beyond these are not ours: a header asking for them is damaged.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 64;
const KEY_LEN: usize = 32;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// Bitwarden's defaults (64 MiB, t=3, p=4), above OWASP's floor (19 MiB, t=2, p=1).
    fn default() -> Self {
        Self { memory_kib: 64 * 1024, iterations: 3, parallelism: 4 }
    }
}

impl KdfParams {
    /// Whether any cost is below `other`'s, so a vault made with these should be re-wrapped.
    pub fn weaker_than(&self, other: &Self) -> bool {
        self.memory_kib < other.memory_kib
            || self.iterations < other.iterations
            || self.parallelism < other.parallelism
    }

    /// Whether Argon2 can run with these without being told to do something absurd.
    pub fn in_bounds(&self) -> bool {
        (1..=MAX_ITERATIONS).contains(&self.iterations)
            && (1..=MAX_PARALLELISM).contains(&self.parallelism)
            && (8 * self.parallelism..=MAX_MEMORY_KIB).contains(&self.memory_kib)
    }

    fn derive(&self, passphrase: &Passphrase, salt: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
        if !self.in_bounds() {
            return Err(Error::Damaged { part: DamagedPart::Header, last_good: None });
        }
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(KEY_LEN))
            .map_err(|_| Error::Damaged { part: DamagedPart::Header, last_good: None })?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
            .map_err(|e| Error::Internal(format!("argon2: {e}")))?;
        Ok(key)
    }
}

/// The parsed `vault.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VaultHeader {
    format: u32,
    kdf: KdfParams,
    salt: String,
    nonce: String,
    wrapped_key: String,
    /// The data key wrapped under the login keyring's key, while automatic unlock is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyring: Option<KeyringWrap>,
    /// SHA-256 (base64) of everything above; absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checksum: Option<String>,
}

/// The data key wrapped under a [`WrappingKey`] kept in the login keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct KeyringWrap {
    /// The id the keyring's item is found by.
    vault_id: String,
    nonce: String,
    wrapped_key: String,
}

impl KeyringWrap {
    fn new(data_key: &[u8], vault_id: &VaultId, key: &WrappingKey) -> Result<Self, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
        let aad = Self::aad(vault_id.as_str());
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: data_key, aad: aad.as_bytes() })
            .map_err(|_| Error::Internal("wrapping the vault key for the keyring failed".into()))?;
        Ok(Self {
            vault_id: vault_id.as_str().to_owned(),
            nonce: STANDARD.encode(nonce),
            wrapped_key: STANDARD.encode(wrapped),
        })
    }

    /// Binds the wrap to the vault id the item is found by.
    fn aad(vault_id: &str) -> String {
        format!("evergreen-vault/keyring/{vault_id}")
    }

    /// Its parts decoded, or `None` when any is malformed (a damaged header).
    fn checked(&self) -> Option<(VaultId, Vec<u8>, Vec<u8>)> {
        let id = VaultId::parse(&self.vault_id).filter(|id| id.as_str() == self.vault_id)?;
        let nonce = STANDARD.decode(&self.nonce).ok().filter(|n| n.len() == NONCE_LEN)?;
        let wrapped = STANDARD.decode(&self.wrapped_key).ok().filter(|w| w.len() == KEY_LEN + 16)?;
        Some((id, nonce, wrapped))
    }
}

/// A header's salt, nonce and wrapped key, decoded.
type Parts = (Vec<u8>, Vec<u8>, Vec<u8>);

/// The random key that encrypts the snapshot.
pub type DataKey = Zeroizing<Vec<u8>>;

impl VaultHeader {
    /// A header for a brand-new random data key; returns both.
    pub fn create(passphrase: &Passphrase, kdf: KdfParams) -> Result<(Self, DataKey), Error> {
        let mut data_key = Zeroizing::new(vec![0u8; KEY_LEN]);
        rand::rng().fill_bytes(&mut data_key);
        let header = Self::wrap(&data_key, passphrase, kdf)?;
        Ok((header, data_key))
    }

    /// Wrap `data_key` under `passphrase` with a fresh salt and nonce.
    pub fn wrap(data_key: &[u8], passphrase: &Passphrase, kdf: KdfParams) -> Result<Self, Error> {
        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut nonce);
        let mut header = Self {
            format: FORMAT,
            kdf,
            salt: STANDARD.encode(salt),
            nonce: STANDARD.encode(nonce),
            wrapped_key: String::new(),
            keyring: None,
            checksum: None,
        };
        let kek = kdf.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: data_key, aad: header.aad().as_bytes() })
            .map_err(|_| Error::Internal("wrapping the vault key failed".into()))?;
        header.wrapped_key = STANDARD.encode(wrapped);
        header.checksum = Some(header.computed_checksum());
        Ok(header)
    }

    fn computed_checksum(&self) -> String {
        let mut all = format!("{}/{}/{}", self.aad(), self.nonce, self.wrapped_key);
        if let Some(wrap) = &self.keyring {
            all.push_str(&format!("/keyring/{}/{}/{}", wrap.vault_id, wrap.nonce, wrap.wrapped_key));
        }
        STANDARD.encode(Sha256::digest(all.as_bytes()))
    }

    /// The same header with `data_key` also wrapped under the keyring's `key`, found by
    /// `vault_id`.
    pub fn with_keyring_wrap(
        mut self,
        data_key: &[u8],
        vault_id: &VaultId,
        key: &WrappingKey,
    ) -> Result<Self, Error> {
        self.keyring = Some(KeyringWrap::new(data_key, vault_id, key)?);
        self.checksum = Some(self.computed_checksum());
        Ok(self)
    }

    /// The same header with `other`'s keyring wrap (or none): for a rewrap of the same data
    /// key under the passphrase, which must not turn automatic unlock off.
    pub fn with_keyring_wrap_of(mut self, other: &Self) -> Self {
        self.keyring = other.keyring.clone();
        self.checksum = Some(self.computed_checksum());
        self
    }

    /// The same header without the keyring's wrap: automatic unlock off.
    pub fn without_keyring_wrap(self) -> Self {
        let mut header = self;
        header.keyring = None;
        header.checksum = Some(header.computed_checksum());
        header
    }

    /// The vault id the keyring's item is found by, while automatic unlock is on.
    pub fn keyring_vault_id(&self) -> Option<VaultId> {
        self.keyring.as_ref().and_then(|wrap| wrap.checked()).map(|(id, _, _)| id)
    }

    /// Unwrap the data key with the keyring's key: [`Error::NoKeyringWrap`] when automatic
    /// unlock is off, [`Error::WrongKeyringKey`] when the key does not fit.
    pub fn unwrap_with_keyring(&self, key: &WrappingKey) -> Result<DataKey, Error> {
        self.checked_parts()?;
        let wrap = self.keyring.as_ref().ok_or(Error::NoKeyringWrap)?;
        let (id, nonce, wrapped) = wrap.checked().ok_or_else(damaged)?;
        let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
        let aad = KeyringWrap::aad(id.as_str());
        let data_key = cipher
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &wrapped, aad: aad.as_bytes() })
            .map_err(|_| Error::WrongKeyringKey)?;
        if data_key.len() != KEY_LEN {
            return Err(damaged());
        }
        Ok(Zeroizing::new(data_key))
    }

    /// Whether it was written before headers had a checksum (rewrite it at the next unlock).
    pub fn is_legacy(&self) -> bool {
        self.format == LEGACY_FORMAT
    }

    /// Unwrap the data key: [`Error::WrongPassphrase`] when the passphrase does not fit.
    pub fn unwrap_key(&self, passphrase: &Passphrase) -> Result<DataKey, Error> {
        let (salt, nonce, wrapped) = self.checked_parts()?;
        let kek = self.kdf.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let key = cipher
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &wrapped, aad: self.aad().as_bytes() })
            .map_err(|_| Error::WrongPassphrase)?;
        if key.len() != KEY_LEN {
            return Err(damaged());
        }
        Ok(Zeroizing::new(key))
    }

    /// Every field decoded and checked; anything off is a damaged header.
    fn checked_parts(&self) -> Result<Parts, Error> {
        let salt = STANDARD.decode(&self.salt).map_err(|_| damaged())?;
        let nonce = STANDARD.decode(&self.nonce).map_err(|_| damaged())?;
        let wrapped = STANDARD.decode(&self.wrapped_key).map_err(|_| damaged())?;
        let checksum_ok = match (self.format, &self.checksum) {
            (FORMAT, Some(sum)) => *sum == self.computed_checksum(),
            (LEGACY_FORMAT, None) => self.keyring.is_none(),
            _ => false,
        };
        let keyring_ok = self.keyring.as_ref().is_none_or(|wrap| wrap.checked().is_some());
        if !checksum_ok
            || !keyring_ok
            || !self.kdf.in_bounds()
            || salt.len() != SALT_LEN
            || nonce.len() != NONCE_LEN
            || wrapped.len() != KEY_LEN + 16
        {
            return Err(damaged());
        }
        Ok((salt, nonce, wrapped))
    }

    /// The parameters the key was wrapped with.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Parse `vault.json`; anything unreadable, inconsistent or out of bounds is a damaged
    /// header (told apart from a wrong passphrase before any key is derived).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let header: Self = serde_json::from_slice(bytes).map_err(|_| damaged())?;
        header.checked_parts()?;
        Ok(header)
    }

    /// The file's content.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a header always serializes")
    }

    /// Binds the wrapped key to its parameters: editing them breaks the unwrap.
    fn aad(&self) -> String {
        let k = &self.kdf;
        format!(
            "evergreen-vault/{}/argon2id-v19/{}/{}/{}/{}",
            self.format, k.memory_kib, k.iterations, k.parallelism, self.salt
        )
    }
}

fn damaged() -> Error {
    Error::Damaged { part: DamagedPart::Header, last_good: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: KdfParams = KdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };

    fn pass(s: &str) -> Passphrase {
        Passphrase::new(s.into())
    }

    #[test]
    fn product_parameters_are_at_least_bitwardens() {
        let p = KdfParams::default();
        assert!(!p.weaker_than(&KdfParams { memory_kib: 65536, iterations: 3, parallelism: 4 }));
    }

    #[test]
    fn wrap_round_trips_and_wrong_passphrase_is_told_apart() {
        let (header, key) = VaultHeader::create(&pass("correct horse battery"), CHEAP).unwrap();
        let parsed = VaultHeader::parse(&header.to_bytes()).unwrap();
        assert_eq!(*parsed.unwrap_key(&pass("correct horse battery")).unwrap(), *key);
        assert!(matches!(parsed.unwrap_key(&pass("wrong horse battery")), Err(Error::WrongPassphrase)));
    }

    #[test]
    fn editing_the_parameters_breaks_the_unwrap() {
        let (mut header, _) = VaultHeader::create(&pass("correct horse battery"), CHEAP).unwrap();
        header.kdf.iterations = 2;
        assert!(header.unwrap_key(&pass("correct horse battery")).is_err());
    }

    #[test]
    fn the_keyring_wrap_opens_the_same_key_and_only_with_its_key() {
        let (header, key) = VaultHeader::create(&pass("correct horse battery"), CHEAP).unwrap();
        let id = VaultId::generate();
        let wrapping = WrappingKey::generate();
        let header = header.with_keyring_wrap(&key, &id, &wrapping).unwrap();
        let parsed = VaultHeader::parse(&header.to_bytes()).unwrap();
        assert_eq!(parsed.keyring_vault_id(), Some(id));
        assert_eq!(*parsed.unwrap_with_keyring(&wrapping).unwrap(), *key);
        assert_eq!(*parsed.unwrap_key(&pass("correct horse battery")).unwrap(), *key);
        assert!(matches!(parsed.unwrap_with_keyring(&WrappingKey::generate()), Err(Error::WrongKeyringKey)));
        // A rewrap under the passphrase (a stronger KDF) keeps it; turning it off drops it.
        let rewrapped = VaultHeader::wrap(&key, &pass("correct horse battery"), CHEAP)
            .unwrap()
            .with_keyring_wrap_of(&parsed);
        assert_eq!(
            *VaultHeader::parse(&rewrapped.to_bytes()).unwrap().unwrap_with_keyring(&wrapping).unwrap(),
            *key
        );
        let off = VaultHeader::parse(&parsed.without_keyring_wrap().to_bytes()).unwrap();
        assert!(matches!(off.unwrap_with_keyring(&wrapping), Err(Error::NoKeyringWrap)));
        assert!(!String::from_utf8(off.to_bytes()).unwrap().contains("keyring"));
    }

    #[test]
    fn any_flipped_character_is_damage_not_a_wrong_passphrase() {
        let (header, key) = VaultHeader::create(&pass("correct horse battery"), CHEAP).unwrap();
        // With the keyring's wrap too: its fields are under the checksum as well.
        let header = header.with_keyring_wrap(&key, &VaultId::generate(), &WrappingKey::generate()).unwrap();
        let text = String::from_utf8(header.to_bytes()).unwrap();
        let mut seen = 0;
        for (at, c) in text.char_indices() {
            // Flip every character inside a quoted value (a key's name is a parse error anyway).
            if !c.is_ascii_alphanumeric() {
                continue;
            }
            let flipped = if c == 'A' { 'B' } else { 'A' };
            let mut damaged = text.clone();
            damaged.replace_range(at..at + 1, &flipped.to_string());
            let outcome = VaultHeader::parse(damaged.as_bytes())
                .and_then(|h| h.unwrap_key(&pass("correct horse battery")));
            assert!(
                matches!(outcome, Err(Error::Damaged { part: DamagedPart::Header, .. })),
                "flipping {c:?} at {at} gave {outcome:?}"
            );
            seen += 1;
        }
        assert!(seen > 180, "{seen}");
    }

    #[test]
    fn absurd_costs_are_damage_before_argon2_runs() {
        for kdf in [
            KdfParams { memory_kib: u32::MAX, iterations: 3, parallelism: 4 },
            KdfParams { memory_kib: 65536, iterations: u32::MAX, parallelism: 4 },
            KdfParams { memory_kib: 65536, iterations: 3, parallelism: 0 },
            KdfParams { memory_kib: 1, iterations: 3, parallelism: 4 },
        ] {
            assert!(!kdf.in_bounds());
            let (mut header, _) = VaultHeader::create(&pass("correct horse battery"), CHEAP).unwrap();
            header.kdf = kdf;
            header.checksum = Some(header.computed_checksum());
            assert!(matches!(
                VaultHeader::parse(&header.to_bytes()),
                Err(Error::Damaged { part: DamagedPart::Header, .. })
            ));
        }
    }

    #[test]
    fn a_legacy_header_without_a_checksum_still_opens() {
        let (header, key) = VaultHeader::create(&pass("correct horse battery"), CHEAP).unwrap();
        // Rebuild it as format 1 would have: same wrap, no checksum.
        let mut legacy = VaultHeader::wrap(&key, &pass("correct horse battery"), CHEAP).unwrap();
        legacy.format = LEGACY_FORMAT;
        let kek = legacy
            .kdf
            .derive(&pass("correct horse battery"), &STANDARD.decode(&legacy.salt).unwrap())
            .unwrap();
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let nonce = STANDARD.decode(&legacy.nonce).unwrap();
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &key, aad: legacy.aad().as_bytes() })
            .unwrap();
        legacy.wrapped_key = STANDARD.encode(wrapped);
        legacy.checksum = None;
        let parsed = VaultHeader::parse(&legacy.to_bytes()).unwrap();
        assert!(parsed.is_legacy());
        assert_eq!(*parsed.unwrap_key(&pass("correct horse battery")).unwrap(), *key);
        assert!(!header.is_legacy());
    }

    #[test]
    fn garbage_is_a_damaged_header() {
        for bytes in [&b""[..], b"{", b"null", b"{\"format\":1}"] {
            assert!(matches!(
                VaultHeader::parse(bytes),
                Err(Error::Damaged { part: DamagedPart::Header, .. })
            ));
        }
    }
}
