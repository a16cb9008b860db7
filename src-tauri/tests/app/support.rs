//! A mock-runtime app with the product's command list and a temp profile.

use evergreen_app::config::{Config, Files};
use evergreen_app::state::EvergreenExt;
use evergreen_core::Evergreen;
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{KdfParams, StrongholdVault};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use tempfile::TempDir;

/// Argon2id costs for tests; the product's are covered by the core's tests.
const CHEAP_KDF: KdfParams = KdfParams { memory_kib: 256, iterations: 1, parallelism: 1 };

/// A passphrase the vault accepts.
pub const PASS: &str = "correct horse battery staple";

/// An app on the mock runtime with one window to invoke from; its profile is a temp dir.
pub struct TestApp {
    pub app: App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    pub profile: TempDir,
}

impl TestApp {
    /// A demo-mode app on an empty profile.
    pub fn new() -> Self {
        Self::with_config(|_| {})
    }

    /// The same with the configuration changed by `tune`; the data directory and both
    /// configuration files are in the temp dir.
    pub fn with_config(tune: impl FnOnce(&mut Config)) -> Self {
        // Nothing listens at this relay: these tests never connect.
        let nowhere: evergreen_instagram::Url = "http://127.0.0.1:9/".parse().expect("url");
        Self::with_services(tune, evergreen_instagram::Endpoints::single_host(&nowhere), nowhere)
    }

    /// The same with the first profile's core on these services.
    pub fn with_services(
        tune: impl FnOnce(&mut Config),
        instagram: evergreen_instagram::Endpoints,
        relay: evergreen_instagram::Url,
    ) -> Self {
        let profile = tempfile::tempdir().expect("temp profile");
        let mut config = Config {
            data_dir: Some(profile.path().into()),
            files: Files {
                user: profile.path().join("config/evergreen/config.toml"),
                system: profile.path().join("etc/config.toml"),
            },
            ..Config::demo()
        };
        tune(&mut config);
        let app = evergreen_app::with_commands(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let vault = StrongholdVault::with_kdf(&DataDir::new(profile.path()), CHEAP_KDF);
        let wiring = evergreen_app::Wiring {
            vault: Box::new(vault),
            threads: evergreen_instagram::threads::Endpoints::single_host(&instagram.www),
            instagram,
            relay: Some(relay),
            notifier: evergreen_core::notify::silent(),
            tray: None,
            keyring: evergreen_core::keyring::none(),
        };
        evergreen_app::manage_state(&app, config, profile.path().into(), wiring).expect("state");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        Self { app, window, profile }
    }

    /// The core behind the commands.
    pub fn core(&self) -> Evergreen {
        self.app.evergreen().core()
    }

    /// Invoke `cmd` with JSON `args`; `Ok` is the answer, `Err` the rejection.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().expect("json"))
    }
}

/// Everything logged by any thread of this test binary from the first call on, at every
/// level: to prove what never appears in logs.
pub fn captured_logs() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let buffer = buffer.clone();
            move || LogWriter(buffer.clone())
        };
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(writer)
            .with_ansi(false)
            .try_init()
            .expect("first subscriber");
        buffer
    })
    .clone()
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A professional account as Instagram describes it.
pub fn profile(username: &str) -> evergreen_core::Profile {
    evergreen_core::Profile {
        network: evergreen_core::account::Network::Instagram,
        network_user_id: format!("1784140{:010}", username.len()),
        app_scoped_id: None,
        username: username.into(),
        account_type: evergreen_core::account::AccountType::Business,
        profile_picture_url: None,
    }
}

/// A fresh 60-day token for it.
pub fn record() -> evergreen_core::vault::TokenRecord {
    let now = chrono::Utc::now();
    evergreen_core::vault::TokenRecord {
        network: evergreen_core::account::Network::Instagram,
        token: evergreen_instagram::AccessToken::new("IGAAtestTokenForTheProfileTests1".into()),
        issued_at: now,
        expires_at: now + chrono::Duration::days(60),
    }
}
