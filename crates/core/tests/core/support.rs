//! Shared test helpers. Each isolates what it names: a temp profile per call, a vault with
//! cheap Argon2 costs (the product's are tested once, in `vault::product_kdf_*`), a clock at
//! a fixed instant.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use evergreen_core::clock::{Clock, ManualClock};
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
        network: evergreen_core::account::Network::Instagram,
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
        relay: Some(Url::parse(relay).expect("relay url")),
        instagram: evergreen_instagram::Endpoints::single_host(&Url::parse(relay).expect("url")),
        threads: evergreen_instagram::threads::Endpoints::single_host(&Url::parse(relay).expect("url")),
        instagram_timeout: None,
        notifier: evergreen_core::notify::silent(),
        flow_ttl: None,
        keyring: evergreen_core::keyring::none(),
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
    relay_config: evergreen_relay::Config,
    relay_address: std::net::SocketAddr,
}

impl Stack {
    pub async fn new() -> Self {
        Self::with_relay(true).await
    }

    /// `relay_up = false`: the relay's address is taken but nothing answers there.
    pub async fn with_relay(relay_up: bool) -> Self {
        use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, demo_threads_app, seed};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let world = World::new(SandboxClock::system(), demo_app(vec![format!("{relay}v1/callback")]))
            .with_threads(demo_threads_app(vec![format!("{relay}v1/callback/threads")]));
        seed(&world);
        let sandbox = Sandbox::start(world).await.unwrap();
        let app = &sandbox.world().app;
        let threads = sandbox.world().threads_app.clone().expect("registered");
        let config = evergreen_relay::Config::local(
            relay.clone(),
            evergreen_instagram::Endpoints::single_host(sandbox.url()),
            app.client_id.clone(),
            evergreen_instagram::ClientSecret::new(app.client_secret.clone()),
        )
        .with_threads(
            threads.client_id,
            evergreen_instagram::ClientSecret::new(threads.client_secret),
            evergreen_instagram::threads::Endpoints::single_host(sandbox.threads_url()),
        );
        let relay_address = listener.local_addr().unwrap();
        let relay_task = if relay_up {
            Self::serve_relay(listener, config.clone())
        } else {
            drop(listener);
            tokio::spawn(async {})
        };
        let (dir, data) = profile();
        let clock = ManualClock::at(t0());
        let mut setup = setup(&data, &clock, relay.as_str(), ignore_changes());
        setup.instagram = evergreen_instagram::Endpoints::single_host(sandbox.url());
        setup.threads = evergreen_instagram::threads::Endpoints::single_host(sandbox.threads_url());
        let core = Evergreen::open(setup).unwrap();
        core.create_vault(pass(PASS)).await.unwrap();
        Self { dir, core, clock, sandbox, relay_task, relay_config: config, relay_address }
    }

    fn serve_relay(
        listener: tokio::net::TcpListener,
        config: evergreen_relay::Config,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let _ = evergreen_relay::serve(
                listener,
                evergreen_relay::AppState::new(config),
                std::future::pending(),
            )
            .await;
        })
    }

    /// The relay's address.
    pub fn relay_url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.relay_address)).unwrap()
    }

    /// Stop the relay: its address refuses connections until [`Self::start_relay`].
    pub async fn stop_relay(&mut self) {
        self.relay_task.abort();
        let _ = (&mut self.relay_task).await;
    }

    /// Start a fresh relay on the same address: everything it held in memory is gone, as
    /// after a deploy or a crash.
    pub async fn start_relay(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.relay_address).await.expect("rebind the relay");
        self.relay_task = Self::serve_relay(listener, self.relay_config.clone());
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.relay_task.abort();
    }
}

/// Accounts with living tokens at a sandbox that shares the core's manual clock, and a
/// scheduler the test drives by moving that clock.
pub struct Fleet {
    pub dir: TempDir,
    pub core: Evergreen,
    pub clock: ManualClock,
    pub sandbox: evergreen_sandbox::Sandbox,
    /// Makes the vault's next saves fail (across restarts).
    pub vault_faults: evergreen_core::vault::FailNext,
    scheduler: Option<tokio::task::JoinHandle<()>>,
    scratch: Vec<TempDir>,
}

/// Keeps every notification the core hands over.
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<std::sync::Mutex<Vec<evergreen_core::notify::Notification>>>);

impl evergreen_core::notify::Notifier for Recorder {
    fn notify(&self, n: &evergreen_core::notify::Notification) {
        self.0.lock().unwrap().push(n.clone());
    }
}

impl Recorder {
    /// "kind: title" of everything so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(|n| format!("{}: {}", n.kind.as_str(), n.title)).collect()
    }
}

impl Fleet {
    /// A core (vault created, unlocked) and a sandbox, both on a manual clock at [`t0`].
    pub async fn new() -> Self {
        Self::with_notifier(Recorder::default()).await
    }

    fn core_on(
        data: &DataDir,
        clock: &ManualClock,
        sandbox: &evergreen_sandbox::Sandbox,
        notifier: Recorder,
        faults: &evergreen_core::vault::FailNext,
    ) -> Evergreen {
        let mut setup = setup(data, clock, NO_RELAY, ignore_changes());
        setup.vault = Box::new(cheap_vault(data).with_save_faults(faults.clone()));
        setup.instagram = evergreen_instagram::Endpoints::single_host(sandbox.url());
        setup.threads = evergreen_instagram::threads::Endpoints::single_host(sandbox.threads_url());
        // Long enough that a loaded machine (CI, two cores) never times out a healthy call;
        // the timeout test waits it out once.
        setup.instagram_timeout = Some(std::time::Duration::from_secs(3));
        setup.notifier = Arc::new(notifier);
        Evergreen::open(setup).unwrap()
    }

    /// Quit and start again on the same profile: a new core, unlocked, scheduler running.
    pub async fn restart(&mut self, notifier: Recorder) {
        self.stop().await;
        self.release_profile().await;
        let data = DataDir::new(self.dir.path());
        self.core = Self::core_on(&data, &self.clock, &self.sandbox, notifier, &self.vault_faults);
        self.start().await;
        let before = self.clock.sleeps_started();
        self.core.unlock(pass(PASS)).await.unwrap();
        self.settle_after(before).await;
    }

    /// Let go of the profile (the app quit): the core is replaced by one on a scratch
    /// profile, so another core or process may open this one. Renewals still staged are
    /// saved first, as Quit does.
    pub async fn release_profile(&mut self) {
        self.core.shutdown(std::future::pending()).await.unwrap();
        let (scratch_dir, scratch) = profile();
        let stand_in =
            Self::core_on(&scratch, &self.clock, &self.sandbox, Recorder::default(), &Default::default());
        drop(std::mem::replace(&mut self.core, stand_in));
        self.scratch.push(scratch_dir);
    }

    /// The same, delivering notifications to `notifier`.
    pub async fn with_notifier(notifier: Recorder) -> Self {
        use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app};
        let clock = ManualClock::at(t0());
        let sandbox_time = clock.clone();
        let world = World::new(SandboxClock::new(Arc::new(move || sandbox_time.now())), demo_app(vec![]))
            .with_threads(evergreen_sandbox::demo_threads_app(vec![]));
        let sandbox = Sandbox::start(world).await.unwrap();
        let (dir, data) = profile();
        let vault_faults = evergreen_core::vault::FailNext::default();
        let core = Self::core_on(&data, &clock, &sandbox, notifier, &vault_faults);
        core.create_vault(pass(PASS)).await.unwrap();
        Self { dir, core, clock, sandbox, vault_faults, scheduler: None, scratch: Vec::new() }
    }

    /// A business account at the sandbox, connected now with a fresh long-lived token.
    pub fn connect(&self, username: &str) -> evergreen_core::account::Account {
        let account = self.sandbox.world().create_account(
            username,
            username,
            evergreen_sandbox::AccountType::Business,
            100,
        );
        self.reconnect(&account.user_id, username)
    }

    /// A fleet with one account on `network`, due for renewal, whose next renewal meets
    /// `fault`; the account after one scheduled sweep, which renewed nothing.
    pub async fn after_fault(
        network: evergreen_core::account::Network,
        fault: evergreen_sandbox::FaultKind,
    ) -> (Fleet, evergreen_core::account::Account) {
        use evergreen_core::account::Network;
        let f = Fleet::new().await;
        let (id, renewal) = match network {
            Network::Instagram => (f.connect("brand").id, "refresh"),
            Network::Threads => (f.connect_threads("brand.threads").id, "threads_refresh"),
        };
        f.clock.advance(std::time::Duration::from_secs(49 * 3600));
        f.sandbox.world().add_fault(evergreen_sandbox::Fault::new(fault, 1).on(renewal));
        let report = f.core.sweep(vec![id], evergreen_core::refresh::Trigger::Scheduled).await;
        assert_eq!(report.refreshed, 0);
        let account = f.account(id);
        (f, account)
    }

    /// A Threads profile at the sandbox, connected now with a fresh long-lived token.
    pub fn connect_threads(&self, username: &str) -> evergreen_core::account::Account {
        let account = self.sandbox.world().create_threads_account(username, username);
        self.reconnect(&account.user_id, username)
    }

    /// Connect (again) the sandbox account `user_id` with a fresh token, as the flow would,
    /// on the account's network.
    pub fn reconnect(&self, user_id: &str, username: &str) -> evergreen_core::account::Account {
        use evergreen_core::account::Network;
        use evergreen_sandbox::world::TokenKind;
        let world = self.sandbox.world();
        let account = world.account(user_id).expect("sandbox account");
        let (network, scope, account_type) = match account.network {
            evergreen_sandbox::Network::Instagram => (
                Network::Instagram,
                "instagram_business_basic",
                evergreen_core::account::AccountType::Business,
            ),
            evergreen_sandbox::Network::Threads => {
                (Network::Threads, "threads_basic", evergreen_core::account::AccountType::parse(""))
            }
        };
        let (token, issued) = world.issue_token(&account.user_id, TokenKind::LongLived, vec![scope.into()]);
        let record = TokenRecord {
            network,
            token: AccessToken::new(token),
            issued_at: issued.issued_at,
            expires_at: issued.expires_at,
        };
        let profile = evergreen_core::Profile {
            network,
            network_user_id: account.user_id,
            app_scoped_id: None,
            username: username.into(),
            account_type,
            profile_picture_url: None,
        };
        self.core.save_connection(profile, record).unwrap().0
    }

    pub fn account(&self, id: evergreen_core::account::AccountId) -> evergreen_core::account::Account {
        self.core.store().read(|r| r.account(id)).unwrap().unwrap()
    }

    /// Start the scheduler (the app started, or was unlocked) and let it settle.
    pub async fn start(&mut self) {
        assert!(self.scheduler.is_none());
        let before = self.clock.sleeps_started();
        self.scheduler = Some(tokio::spawn(self.core.clone().run_scheduler()));
        self.clock.until_sleeps_started(before + 1).await;
    }

    /// Stop the scheduler (the app quit).
    pub async fn stop(&mut self) {
        if let Some(task) = self.scheduler.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Wait for the scheduler to finish what it is doing and go back to sleep (after an
    /// unlock or a wake-up from outside the clock).
    pub async fn settle_after(&self, sleeps_before: u64) {
        self.clock.until_sleeps_started(sleeps_before + 1).await;
    }

    /// Let `by` of monotonic and wall time pass, waking the scheduler at each of its own
    /// deadlines and waiting for it to go back to sleep: no real sleeping.
    pub async fn run_for(&self, by: std::time::Duration) {
        let mut left = by;
        while !left.is_zero() {
            match self.clock.next_wake_in() {
                Some(wake) if wake <= left => {
                    let before = self.clock.sleeps_started();
                    self.clock.advance(wake);
                    left -= wake;
                    self.clock.until_sleeps_started(before + 1).await;
                }
                _ => {
                    self.clock.advance(left);
                    left = std::time::Duration::ZERO;
                }
            }
        }
    }

    /// Refresh calls the sandbox received: (token age in seconds, status).
    pub fn refresh_calls(&self) -> Vec<(i64, u16)> {
        self.sandbox
            .world()
            .calls(0)
            .into_iter()
            .filter(|c| c.endpoint == "refresh")
            .map(|c| (c.token_age_secs.unwrap_or(-1), c.status))
            .collect()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        if let Some(task) = self.scheduler.take() {
            task.abort();
        }
    }
}
