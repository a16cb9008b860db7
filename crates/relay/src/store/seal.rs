//! A token waiting in a shared store is sealed first (XChaCha20-Poly1305, the relay's key), so
//! a Redis dump, replica or backup holds nothing usable. The associated data binds the sealed
//! payload to its handoff id and challenge: whoever can write to Redis cannot move a payload
//! under a challenge of their own (they would need its verifier) without breaking the seal.
//! Random 192-bit nonces: no counter to share between replicas, and no practical collision.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

/// What the sealed bytes are: a version, so a future format is told apart.
const CONTEXT: &[u8] = b"evergreen-relay handoff v1";
const NONCE_LEN: usize = 24;

/// The key every replica shares (`RELAY_HANDOFF_KEY`). No `Debug` in the clear; zeroized
/// when dropped.
#[derive(Clone)]
pub struct HandoffKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for HandoffKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandoffKey([redacted])")
    }
}

/// The configured key is not 32 bytes of base64.
#[derive(Debug, thiserror::Error)]
#[error("must be 32 random bytes in base64 (for example from `openssl rand -base64 32`)")]
pub struct InvalidKey;

/// The sealed payload does not open with this key (another key, or altered in the store).
#[derive(Debug, thiserror::Error)]
#[error(
    "a sealed handoff does not open with this relay's key (every replica needs the same RELAY_HANDOFF_KEY)"
)]
pub struct Unsealable;

impl HandoffKey {
    /// The key from its base64 text (standard with padding, or URL-safe without).
    pub fn parse(text: &str) -> Result<Self, InvalidKey> {
        let text = text.trim();
        let mut bytes =
            STANDARD.decode(text).or_else(|_| URL_SAFE_NO_PAD.decode(text)).map_err(|_| InvalidKey)?;
        let mut key = Zeroizing::new([0u8; 32]);
        let fits = bytes.len() == 32;
        if fits {
            key.copy_from_slice(&bytes);
        }
        bytes.zeroize();
        if fits { Ok(Self(key)) } else { Err(InvalidKey) }
    }

    /// A fresh random key (tests, benches).
    pub fn random() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        Self(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// `nonce ‖ ciphertext`, base64url.
    pub fn seal(&self, plaintext: &[u8], id: &str, challenge: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(id, challenge);
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad })
            .expect("XChaCha20-Poly1305 seals any payload this small");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The plaintext of [`HandoffKey::seal`]'s output, if it opens for this id and challenge.
    pub fn open(&self, sealed: &str, id: &str, challenge: &str) -> Result<Zeroizing<Vec<u8>>, Unsealable> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| Unsealable)?;
        if bytes.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = associated_data(id, challenge);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| Unsealable)
    }
}

fn associated_data(id: &str, challenge: &str) -> Vec<u8> {
    [CONTEXT, b"\0", id.as_bytes(), b"\0", challenge.as_bytes()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_payload_opens_only_with_its_key_id_and_challenge() {
        let key = HandoffKey::random();
        let sealed = key.seal(b"IGAA-token", "h1", "c1");
        assert!(!sealed.contains("IGAA"));
        assert_eq!(key.open(&sealed, "h1", "c1").unwrap().as_slice(), b"IGAA-token");
        assert!(key.open(&sealed, "h2", "c1").is_err(), "moved to another id");
        assert!(key.open(&sealed, "h1", "c2").is_err(), "put under another challenge");
        assert!(HandoffKey::random().open(&sealed, "h1", "c1").is_err(), "another replica's key");
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(key.open(&String::from_utf8(altered).unwrap(), "h1", "c1").is_err());
        assert!(key.open("", "h1", "c1").is_err());
    }

    #[test]
    fn a_key_is_32_bytes_of_base64_and_never_prints() {
        let text = STANDARD.encode([7u8; 32]);
        assert!(HandoffKey::parse(&text).is_ok());
        assert!(HandoffKey::parse(&URL_SAFE_NO_PAD.encode([7u8; 32])).is_ok());
        assert!(HandoffKey::parse(&STANDARD.encode([7u8; 16])).is_err());
        assert!(HandoffKey::parse("not base64 at all!").is_err());
        assert_eq!(format!("{:?}", HandoffKey::parse(&text).unwrap()), "HandoffKey([redacted])");
    }
}
