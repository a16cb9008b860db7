//! PKCE (RFC 7636, S256): the verifier stays in the app; only its challenge travels.
//!
//! The relay checks the same S256 in its own `pkce.rs`, written again there on purpose: the
//! relay must not depend on the app's core. Both use 32 random bytes, base64url (43
//! characters): the app for its verifier, the relay for each `state` and handoff id, and both
//! test against RFC 7636's Appendix B example.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The secret half of PKCE. Whoever holds it can redeem the flow's handoff, so it is never
/// printed, logged or sent anywhere but in the one redemption request.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// 32 random bytes, base64url: 43 characters, inside RFC 7636's 43..=128.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        bytes.zeroize();
        Self(verifier)
    }

    /// `BASE64URL(SHA256(verifier))`, sent when the flow starts.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The verifier itself, for the redemption request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_rfc_7636_appendix_b() {
        let verifier = PkceVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(verifier.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifier_has_rfc_length_and_never_prints() {
        let verifier = PkceVerifier::generate();
        assert_eq!(verifier.expose().len(), 43);
        assert_eq!(format!("{verifier:?}"), "PkceVerifier([redacted])");
    }
}
