//! Shared test helpers. Each isolates what it names: a temp profile per call, a vault with
//! cheap Argon2 costs (the product's are tested once, in `vault::product_kdf_*`), a clock at
//! a fixed instant.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use evergreen_core::clock::ManualClock;
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{KdfParams, Passphrase, StrongholdVault, TokenRecord};
use evergreen_core::{ChangeSink, Evergreen, Setup, ignore_changes};
use evergreen_instagram::{AccessToken, Url};
use tempfile::TempDir;

/// Argon2id costs small enough for hundreds of unlocks in a test run.
pub const CHEAP_KDF: KdfParams = KdfParams { memory_kib: 256, iterations: 1, parallelism: 1 };

/// A passphrase long enough to be accepted.
pub const PASS: &str = "correct horse battery staple";

pub fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.into())
}

/// An empty profile directory, removed when the returned guard drops.
pub fn profile() -> (TempDir, DataDir) {
    let dir = tempfile::Builder::new().prefix("evergreen-core-").tempdir().expect("temp dir");
    let data = DataDir::new(dir.path());
    (dir, data)
}

/// A vault on `data` with cheap key derivation.
pub fn cheap_vault(data: &DataDir) -> StrongholdVault {
    StrongholdVault::with_kdf(data, CHEAP_KDF)
}

/// 1 March 2026, noon UTC: the tests' "now".
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

/// A token record issued at `issued` and valid 60 days.
pub fn record(token: &str, issued: DateTime<Utc>) -> TokenRecord {
    TokenRecord {
        token: AccessToken::new(token.into()),
        issued_at: issued,
        expires_at: issued + Duration::days(60),
    }
}

/// Where tests that never connect point the relay: nothing listens there.
pub const NO_RELAY: &str = "http://127.0.0.1:9/";

/// The setup of a core on `data` with a cheap vault, `clock` and the relay at `relay`.
pub fn setup(data: &DataDir, clock: &ManualClock, relay: &str, sink: ChangeSink) -> Setup {
    Setup {
        data_dir: data.clone(),
        clock: Arc::new(clock.clone()),
        vault: Box::new(cheap_vault(data)),
        sink,
        relay: Url::parse(relay).expect("relay url"),
        flow_ttl: None,
    }
}

/// A core on a fresh profile with a cheap vault and a manual clock at [`t0`].
pub fn core() -> (TempDir, Evergreen, ManualClock) {
    let (dir, data) = profile();
    let clock = ManualClock::at(t0());
    let core = Evergreen::open(setup(&data, &clock, NO_RELAY, ignore_changes())).expect("core opens");
    (dir, core, clock)
}

/// SHA-256 of every file in `dir`, by name: to prove nothing on disk changed.
pub fn hashes(dir: &std::path::Path) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap();
            (e.file_name().into_string().unwrap(), hex(&Sha256::digest(bytes)))
        })
        .collect();
    all.sort();
    all
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A whole connect stack on loopback: the sandbox as Instagram, a real relay in front of it,
/// and a core with an unlocked vault pointed at the relay.
pub struct Stack {
    pub dir: TempDir,
    pub core: Evergreen,
    pub clock: ManualClock,
    pub sandbox: evergreen_sandbox::Sandbox,
    relay_task: tokio::task::JoinHandle<()>,
}

impl Stack {
    pub async fn new() -> Self {
        Self::with_relay(true).await
    }

    /// `relay_up = false`: the relay's address is taken but nothing answers there.
    pub async fn with_relay(relay_up: bool) -> Self {
        use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, seed};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let world = World::new(SandboxClock::system(), demo_app(vec![format!("{relay}v1/callback")]));
        seed(&world);
        let sandbox = Sandbox::start(world).await.unwrap();
        let app = &sandbox.world().app;
        let config = evergreen_relay::Config::local(
            relay.clone(),
            evergreen_instagram::Endpoints::single_host(sandbox.url()),
            app.client_id.clone(),
            evergreen_instagram::ClientSecret::new(app.client_secret.clone()),
        );
        let relay_task = if relay_up {
            tokio::spawn(async move {
                let _ = evergreen_relay::serve(
                    listener,
                    evergreen_relay::AppState::new(config),
                    std::future::pending(),
                )
                .await;
            })
        } else {
            drop(listener);
            tokio::spawn(async {})
        };
        let (dir, data) = profile();
        let clock = ManualClock::at(t0());
        let core = Evergreen::open(setup(&data, &clock, relay.as_str(), ignore_changes())).unwrap();
        core.create_vault(pass(PASS)).await.unwrap();
        Self { dir, core, clock, sandbox, relay_task }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.relay_task.abort();
    }
}
