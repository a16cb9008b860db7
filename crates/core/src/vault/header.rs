//! `vault.json`: the key-derivation parameters, the salt and the wrapped data key. Not secret:
//! without the passphrase it opens nothing.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{DamagedPart, Error, Passphrase};

const FORMAT: u32 = 1;
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

    fn derive(&self, passphrase: &Passphrase, salt: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
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
}

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
        };
        let kek = kdf.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: data_key, aad: header.aad().as_bytes() })
            .map_err(|_| Error::Internal("wrapping the vault key failed".into()))?;
        header.wrapped_key = STANDARD.encode(wrapped);
        Ok(header)
    }

    /// Unwrap the data key: [`Error::WrongPassphrase`] when the passphrase does not fit.
    pub fn unwrap_key(&self, passphrase: &Passphrase) -> Result<DataKey, Error> {
        let damaged = || Error::Damaged { part: DamagedPart::Header, last_good: None };
        let salt = STANDARD.decode(&self.salt).map_err(|_| damaged())?;
        let nonce = STANDARD.decode(&self.nonce).map_err(|_| damaged())?;
        let wrapped = STANDARD.decode(&self.wrapped_key).map_err(|_| damaged())?;
        if self.format != FORMAT || salt.len() != SALT_LEN || nonce.len() != NONCE_LEN {
            return Err(damaged());
        }
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

    /// The parameters the key was wrapped with.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Parse `vault.json`; anything unreadable is a damaged header.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(bytes)
            .map_err(|_| Error::Damaged { part: DamagedPart::Header, last_good: None })
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
    fn garbage_is_a_damaged_header() {
        for bytes in [&b""[..], b"{", b"null", b"{\"format\":1}"] {
            assert!(matches!(
                VaultHeader::parse(bytes),
                Err(Error::Damaged { part: DamagedPart::Header, .. })
            ));
        }
    }
}
