//! The HTTP client builder every Evergreen client starts from (Instagram's, the relay's).
//!
//! reqwest reads the platform's certificate roots each time a client is built (about 40 ms
//! here); the product builds a few clients per profile and the tests thousands, so the TLS
//! configuration is built once per process and handed to every builder.

use std::sync::{Arc, OnceLock};

use rustls_platform_verifier::ConfigVerifierExt;

/// A builder with the process's shared TLS configuration (ring, the platform's roots,
/// HTTP/2 and HTTP/1.1), and no redirects: nothing Evergreen calls answers with one it should
/// follow, and a redirect would carry a token's query elsewhere.
pub fn builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    match tls() {
        Some(config) => builder.tls_backend_preconfigured(config.as_ref().clone()),
        // No roots could be read: reqwest's own path says why at the first https call.
        None => builder,
    }
}

/// Build the shared TLS configuration now (reading the platform's roots takes tens of
/// milliseconds): the app does it on a thread of its own at start, beside everything else,
/// rather than in the way of the first client.
pub fn prepare() {
    let _ = tls();
}

fn tls() -> Option<&'static Arc<rustls::ClientConfig>> {
    static TLS: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();
    TLS.get_or_init(|| {
        // reqwest is built without a default TLS provider; ring is ours. Installing twice is
        // harmless (the first wins).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut config = rustls::ClientConfig::with_platform_verifier().ok()?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Some(Arc::new(config))
    })
    .as_ref()
}
