//! Token records sealed before they reach Stronghold's store.
//!
//! Stronghold's store is a plain cache: it clones its values into the in-memory snapshot on
//! every save and frees them without wiping when cleared, so after *Lock* the tokens would
//! linger in freed memory. Sealing each record with a key of our own (derived from the data
//! key, wiped when the vault locks) leaves only ciphertext in Stronghold's memory; the clear
//! record exists in a [`Zeroizing`] buffer of ours while it is read or written.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Marks a sealed value (a legacy value is a clear JSON record, starting with `{`).
const SEALED: &[u8] = b"EGR1";
const NONCE_LEN: usize = 24;

/// The key that seals records, derived from the vault's data key.
pub struct RecordKey(Zeroizing<[u8; 32]>);

impl RecordKey {
    /// Derive it from the data key (domain-separated: the data key itself encrypts the snapshot).
    pub fn derive(data_key: &[u8]) -> Self {
        let mut hash = Sha256::new();
        hash.update(b"evergreen-vault/records/v1\0");
        hash.update(data_key);
        Self(Zeroizing::new(hash.finalize().into()))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Seal `record` for the store entry `name` (bound to it: a value moved to another entry
    /// does not open).
    pub fn seal(&self, name: &[u8], record: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: record, aad: name })
            .expect("sealing in memory cannot fail");
        [SEALED, &nonce[..], &sealed].concat()
    }

    /// The clear record of a store value: sealed ones are opened, a legacy clear one is taken
    /// as it is. `None` when it does not open (damage).
    pub fn open(&self, name: &[u8], value: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let Some(rest) = value.strip_prefix(SEALED) else {
            return is_legacy(value).then(|| Zeroizing::new(value.to_vec()));
        };
        if rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: name })
            .ok()
            .map(Zeroizing::new)
    }
}

/// Whether a store value is a record written before records were sealed.
pub fn is_legacy(value: &[u8]) -> bool {
    value.first() == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_records_open_only_with_their_key_and_name() {
        let key = RecordKey::derive(&[7; 32]);
        let sealed = key.seal(b"a", br#"{"token":"IGAAsecret"}"#);
        assert!(!sealed.windows(10).any(|w| w == b"IGAAsecret"), "no clear token in the store");
        assert_eq!(&**key.open(b"a", &sealed).unwrap(), br#"{"token":"IGAAsecret"}"#);
        assert!(key.open(b"b", &sealed).is_none(), "bound to its entry");
        assert!(RecordKey::derive(&[8; 32]).open(b"a", &sealed).is_none());
        assert!(key.open(b"a", &sealed[..10]).is_none());
        assert_eq!(&**key.open(b"a", br#"{"legacy":1}"#).unwrap(), br#"{"legacy":1}"#);
        assert!(key.open(b"a", b"junk").is_none());
    }
}
