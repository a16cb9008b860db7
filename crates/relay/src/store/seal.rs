//! What the relay puts in a shared store is protected by the key every replica shares
//! (`RELAY_HANDOFF_KEY`), so whoever can read Redis (a dump, a replica, a backup) learns nothing
//! usable, and whoever can write to it cannot make a replica act on a record of their own:
//!
//! * records are sealed (XChaCha20-Poly1305). The associated data binds each to what it is
//!   stored under and what is kept beside it in the clear: a session to its `state`, a handoff
//!   to its id, challenge and expiry. A payload moved to another record, or a record altered
//!   (say, a session given the writer's own challenge, so that the token it leads to would be
//!   theirs to redeem, or a handoff given a longer life), does not open;
//! * the names records are stored under are keyed hashes of their `state` or id
//!   ([`HandoffKey::name`]), so the store's keys give no reader a `state` to answer a callback
//!   with or a handoff id to try;
//! * [`HandoffKey::fingerprint`] names the key without revealing it: the records of one key
//!   live under its fingerprint, so replicas with different keys (a rotation, or a mistake)
//!   never touch each other's records.
//!
//! The three uses have their own subkeys, derived from the configured key with HMAC-SHA256
//! under fixed labels. Random 192-bit nonces: no counter to share between replicas, and no
//! practical collision.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

const NONCE_LEN: usize = 24;
/// Bytes of a keyed name: 128 bits, so two records a store holds never share one and no name
/// can be guessed (the values hashed, a 256-bit `state` or a handoff id, carry more).
const NAME_LEN: usize = 16;

/// What a sealed record is, part of its associated data: a record of one kind never opens as
/// another, and the version tells a future format apart.
#[derive(Debug, Clone, Copy)]
pub enum Sealed {
    /// A sign-in waiting for its callback, bound to its `state`.
    Session,
    /// A token waiting for its app, bound to its id and challenge.
    Handoff,
}

impl Sealed {
    fn context(self) -> &'static [u8] {
        match self {
            Self::Session => b"evergreen-relay session v1",
            Self::Handoff => b"evergreen-relay handoff v1",
        }
    }
}

/// The key every replica shares (`RELAY_HANDOFF_KEY`), as the subkeys it is used through. No
/// `Debug` in the clear; zeroized when dropped.
#[derive(Clone)]
pub struct HandoffKey {
    seal: Zeroizing<[u8; 32]>,
    names: Zeroizing<[u8; 32]>,
    fingerprint: String,
}

impl std::fmt::Debug for HandoffKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandoffKey([redacted])")
    }
}

/// The configured key is not 32 bytes of base64.
#[derive(Debug, thiserror::Error)]
#[error("must be 32 random bytes in base64 (for example from `openssl rand -base64 32`)")]
pub struct InvalidKey;

/// A sealed record does not open with this key, kind and binding: altered or moved in the
/// store, or sealed under another key.
#[derive(Debug, thiserror::Error)]
#[error(
    "a sealed record does not open with this relay's key: altered in the store, or sealed under another key"
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
        if fits { Ok(Self::derive(&key)) } else { Err(InvalidKey) }
    }

    /// A fresh random key (tests, benches).
    pub fn random() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        Self::derive(&key)
    }

    fn derive(key: &[u8; 32]) -> Self {
        let fingerprint = subkey(key, b"evergreen-relay key fingerprint v1");
        Self {
            seal: subkey(key, b"evergreen-relay seal v1"),
            names: subkey(key, b"evergreen-relay names v1"),
            fingerprint: URL_SAFE_NO_PAD.encode(&fingerprint[..NAME_LEN]),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.seal.as_ref().into())
    }

    /// The name a record of `kind` is stored under for `value` (its `state` or id): a keyed
    /// hash, base64url, the same on every replica with this key.
    pub fn name(&self, kind: Sealed, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.names.as_ref()).expect("any key length");
        mac.update(kind.context());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..NAME_LEN])
    }

    /// Names this key and no other, revealing nothing of it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// `nonce ‖ ciphertext`, base64url, bound to `binding` (what the record is stored under).
    pub fn seal(&self, kind: Sealed, plaintext: &[u8], binding: &[&str]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(kind, binding);
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad })
            .expect("XChaCha20-Poly1305 seals any payload this small");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The plaintext of [`HandoffKey::seal`]'s output, if it opens as `kind` for `binding`.
    pub fn open(
        &self,
        kind: Sealed,
        sealed: &str,
        binding: &[&str],
    ) -> Result<Zeroizing<Vec<u8>>, Unsealable> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| Unsealable)?;
        if bytes.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = associated_data(kind, binding);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| Unsealable)
    }
}

/// `context ‖ (length ‖ part)*`, each length 8 bytes big-endian: whatever the parts hold, no
/// two bindings give the same bytes.
fn associated_data(kind: Sealed, binding: &[&str]) -> Vec<u8> {
    let mut aad = kind.context().to_vec();
    for part in binding {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

fn subkey(key: &[u8; 32], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(label);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_payload_opens_only_with_its_key_kind_and_binding() {
        let key = HandoffKey::random();
        let sealed = key.seal(Sealed::Handoff, b"IGAA-token", &["h1", "c1"]);
        assert!(!sealed.contains("IGAA"));
        assert_eq!(key.open(Sealed::Handoff, &sealed, &["h1", "c1"]).unwrap().as_slice(), b"IGAA-token");
        assert!(key.open(Sealed::Handoff, &sealed, &["h2", "c1"]).is_err(), "moved to another id");
        assert!(key.open(Sealed::Handoff, &sealed, &["h1", "c2"]).is_err(), "put under another challenge");
        assert!(key.open(Sealed::Session, &sealed, &["h1", "c1"]).is_err(), "read as another kind");
        assert!(key.open(Sealed::Handoff, &sealed, &["h1c1"]).is_err(), "its parts run together");
        assert!(key.open(Sealed::Handoff, &sealed, &["h1\0", "c1"]).is_err(), "a part's bytes moved");
        assert!(key.open(Sealed::Handoff, &sealed, &["h1", "c1", ""]).is_err(), "a part added");
        assert!(HandoffKey::random().open(Sealed::Handoff, &sealed, &["h1", "c1"]).is_err(), "another key");
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(key.open(Sealed::Handoff, &String::from_utf8(altered).unwrap(), &["h1", "c1"]).is_err());
        assert!(key.open(Sealed::Handoff, "", &["h1", "c1"]).is_err());
    }

    #[test]
    fn names_and_fingerprints_are_keyed_and_reveal_neither_value_nor_key() {
        let text = STANDARD.encode([7u8; 32]);
        let (one, same) = (HandoffKey::parse(&text).unwrap(), HandoffKey::parse(&text).unwrap());
        let other = HandoffKey::random();
        let name = one.name(Sealed::Session, "state-value");
        assert_eq!(name, same.name(Sealed::Session, "state-value"), "every replica finds the record");
        assert_ne!(name, other.name(Sealed::Session, "state-value"));
        assert_ne!(name, one.name(Sealed::Handoff, "state-value"));
        assert!(!name.contains("state") && name.len() == 22, "{name}");
        assert_eq!(one.fingerprint(), same.fingerprint());
        assert_ne!(one.fingerprint(), other.fingerprint());
        assert!(!one.fingerprint().contains(&text[..8]));
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
