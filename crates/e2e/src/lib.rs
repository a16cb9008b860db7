//! End-to-end harness: the real app binary, built with its embedded UI, driven through
//! WebKitWebDriver in a real window.
//!
//! The tests need an X server and a D-Bus session bus; `scripts/e2e.sh` provides both
//! (`dbus-run-session -- xvfb-run -a …`) and builds the binary first. Each [`Session`] gets
//! its own data directory and its own WebKitWebDriver, so tests never share state. Run them
//! one at a time (`--test-threads=1`): a second app instance is, by design, forwarded to the
//! first.
#![deny(missing_docs)]

pub mod keyring;
pub mod procs;
pub mod seed;
pub mod sign_in_service;
pub mod tray_host;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use tempfile::TempDir;
pub use tray_host::TrayHost;

/// Plain HTTP for the harness's own calls (the sandbox's control API).
mod control_http {
    pub type Client = reqwest::Client;

    pub fn client() -> Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    pub async fn get_json(http: &Client, url: &str) -> serde_json::Value {
        http.get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("sandbox")
            .json()
            .await
            .expect("json")
    }

    pub async fn post_json(http: &Client, url: &str, body: serde_json::Value) -> serde_json::Value {
        http.post(url)
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("sandbox control {url}: {e}"))
            .json()
            .await
            .expect("json")
    }
}

/// How long to wait for the UI to show something before failing.
pub const UI_TIMEOUT: Duration = Duration::from_secs(20);

/// The app binary under test: `EVERGREEN_E2E_APP`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("EVERGREEN_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/evergreen"));
    assert!(
        path.exists(),
        "no app binary at {}: build it with scripts/e2e.sh (the UI must be embedded)",
        path.display()
    );
    path
}

/// A data directory for one app profile, and where the app "opens the browser" (a file the
/// test reads); removed when dropped.
pub struct Profile {
    dir: TempDir,
    extra: Vec<(String, String)>,
}

impl Profile {
    /// A fresh, empty profile in demo mode, with no configuration file anywhere.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("evergreen-e2e-").tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("data/demo")).expect("data dir");
        Self { dir, extra: Vec::new() }
    }

    /// The data directory (`EVERGREEN_DATA_DIR`): the real profile; the demo's is `demo/`.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The user's `config.toml` (under this profile's `XDG_CONFIG_HOME`).
    pub fn user_config(&self) -> PathBuf {
        self.dir.path().join("config/evergreen/config.toml")
    }

    /// The system's `config.toml` (`EVERGREEN_SYSTEM_CONFIG`).
    pub fn system_config(&self) -> PathBuf {
        self.dir.path().join("etc/evergreen/config.toml")
    }

    /// Write the system's `config.toml`, as an IT admin would.
    pub fn with_system_config(self, text: &str) -> Self {
        let path = self.system_config();
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("etc dir");
        std::fs::write(path, text).expect("system config");
        self
    }

    /// The same with an extra environment variable for the app.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The directory of the profile the app opens at start: the demo's, unless a relay is
    /// given in the environment (real mode).
    pub fn path(&self) -> PathBuf {
        if self.extra.iter().any(|(k, _)| k == "EVERGREEN_RELAY_URL") {
            self.root()
        } else {
            self.root().join("demo")
        }
    }

    /// The file the app appends the URLs it opens to.
    pub fn browser_log(&self) -> PathBuf {
        self.dir.path().join("browser.log")
    }

    /// The file the app appends its log to.
    pub fn app_log(&self) -> PathBuf {
        self.dir.path().join("app.log")
    }

    /// Environment for an app process using this profile.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("EVERGREEN_DATA_DIR".into(), self.root().display().to_string()),
            // Never the machine's own configuration.
            ("XDG_CONFIG_HOME".into(), self.dir.path().join("config").display().to_string()),
            ("EVERGREEN_SYSTEM_CONFIG".into(), self.system_config().display().to_string()),
            ("EVERGREEN_LOG_FILE".into(), self.app_log().display().to_string()),
            ("EVERGREEN_BROWSER".into(), format!("record:{}", self.browser_log().display())),
            ("NO_AT_BRIDGE".into(), "1".into()),
            ("EVERGREEN_LOG".into(), "info".into()),
        ];
        env.extend(self.extra.iter().cloned());
        env
    }

    /// The URLs the app has opened so far.
    pub fn opened_urls(&self) -> Vec<String> {
        std::fs::read_to_string(self.browser_log())
            .map(|t| t.lines().map(String::from).collect())
            .unwrap_or_default()
    }
}

impl Default for Profile {
    fn default() -> Self {
        Self::new()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// A running WebKitWebDriver (Debian's `webkit2gtk-driver`), killed when dropped. Spoken to
/// directly: `tauri-driver` would only rename `tauri:options` to WebKit's
/// `webkitgtk:browserOptions` (see [`Session::start_with`]), and building it cost every fresh
/// machine two minutes.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(env: &[(String, String)]) -> Self {
        let port = free_port();
        let child = Command::new("WebKitWebDriver")
            .args([format!("--port={port}"), "--host=127.0.0.1".into()])
            // What `tauri-driver` sets for the app it starts: Tauri then lets WebKit's
            // automation in (and the app knows a WebDriver session controls it).
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("TAURI_AUTOMATION", "true")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .spawn()
            .expect("WebKitWebDriver on PATH (Debian: apt-get install webkit2gtk-driver)");
        Self { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The app outlives its window (it stays in the tray): a test that failed before
        // `close` must not leave it running for the next test's launch to be handed to.
        let _ = Command::new("pkill").args(["-KILL", "-f", &own_app_pattern()]).status();
    }
}

/// One app process in a real window, with a WebDriver session on it.
pub struct Session {
    client: Client,
    profile: Profile,
    _driver: Driver,
}

impl Session {
    /// Start the app with a fresh profile.
    pub async fn start() -> Self {
        Self::start_with(Profile::new(), &[]).await
    }

    /// Start the app on `profile`, with `args` in its argv (a cold-start link, say).
    pub async fn start_with(profile: Profile, args: &[&str]) -> Self {
        let driver = Driver::start(&profile.env());
        let mut caps = serde_json::Map::new();
        // The app is the "browser" WebKitWebDriver starts, with its own argv.
        caps.insert(
            "webkitgtk:browserOptions".into(),
            serde_json::json!({ "binary": app_binary(), "args": args }),
        );
        let url = format!("http://127.0.0.1:{}", driver.port);
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if started.elapsed() > UI_TIMEOUT => {
                    panic!("no WebDriver session after {UI_TIMEOUT:?}: {error}")
                }
                // The driver takes a moment to listen.
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Self { client, profile, _driver: driver }
    }

    /// The profile the app runs on.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Wait for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within {UI_TIMEOUT:?}: {e}"))
    }

    /// Wait until some element matching `css` has text containing `needle`; return its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    if let Ok(text) = element.text().await
                        && text.contains(needle)
                    {
                        return text;
                    }
                }
            }
            assert!(
                started.elapsed() < UI_TIMEOUT,
                "no {css} containing {needle:?} within {UI_TIMEOUT:?}; page text: {}",
                self.page_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the app's log holds `needle` at least `times` times (the app's own word that
    /// it handled something that shows nothing on screen).
    pub async fn wait_for_log(&self, needle: &str, times: usize) {
        let started = Instant::now();
        loop {
            let log = std::fs::read_to_string(self.profile.app_log()).unwrap_or_default();
            if log.matches(needle).count() >= times {
                return;
            }
            assert!(started.elapsed() < UI_TIMEOUT, "the app never logged {needle:?} {times} times");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Count the elements matching `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Click the element matching `css`. An element the page drew again between finding it
    /// and clicking it (a stale reference) is found again: the click is meant for whatever
    /// matches `css` now, as a person's would be.
    pub async fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(e) if e.is_stale_element_reference() && started.elapsed() < UI_TIMEOUT => {}
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    /// Click `button` (Connect, Add account, Reconnect) and through the dialog to the state
    /// that waits for the browser.
    pub async fn begin_connect(&self, button: &str) {
        self.click(button).await;
        self.wait_for_text("[data-testid=connect-dialog]", "in your browser").await;
        self.click("[data-testid=connect-continue]").await;
        self.find("[data-testid=connect-waiting]").await;
    }

    /// Wait for the app to open its `n`-th URL (1-based) in the "browser"; return it.
    pub async fn opened_url(&self, n: usize) -> String {
        let started = Instant::now();
        loop {
            if let Some(url) = self.profile.opened_urls().get(n - 1) {
                return url.clone();
            }
            assert!(started.elapsed() < UI_TIMEOUT, "the app opened no URL #{n}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Play the person in the browser for the `n`-th opened URL: decide on the sandbox's
    /// consent page, follow the redirect to the relay, and return the `app.evergreen:` link its
    /// page offers.
    pub async fn browse(&self, n: usize, decision: &evergreen_sandbox::person::Decision) -> String {
        let url = self.opened_url(n).await;
        evergreen_sandbox::person::sign_in(&url, decision).await.unwrap_or_else(|e| panic!("browser: {e}"))
    }

    /// Close the window (the app lives on in the tray).
    /// Close the window to the tray the way a person does (Ctrl+W), and wait until its web
    /// processes are gone. (WebDriver's own "close window" would end the session, and with it
    /// the app.)
    pub async fn close_to_tray(&self) {
        let body = self.find("body").await;
        // The window may be gone before the key press is acknowledged ("no such window").
        let _ = body.send_keys(&format!("{}w{}", char::from(Key::Control), char::from(Key::Null))).await;
        let started = Instant::now();
        while web_processes() > 0 {
            assert!(started.elapsed() < UI_TIMEOUT, "the window's web process is still running");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Open the window again as the desktop does (launching Evergreen while it runs in the
    /// tray, the same path as the tray's *Open Evergreen*), and drive the new window.
    pub async fn reopen(&self) {
        let status = self.launch_again("--show");
        assert!(status.success(), "the second launch hands over and exits: {status}");
        self.switch_to_new_window().await;
    }

    /// Choose the item whose label starts with `label` in the app's tray menu, as a person
    /// does in the panel (the [`TrayHost`] stands in for the panel).
    pub async fn tray_click(&self, tray: &TrayHost, label: &str) {
        let pids = own_app_pids();
        assert_eq!(pids.len(), 1, "one app process: {pids:?}");
        tray.click(pids[0], label, UI_TIMEOUT).unwrap_or_else(|e| panic!("tray menu: {e}"));
    }

    /// Every label of the app's tray menu now.
    pub fn tray_labels(&self, tray: &TrayHost) -> Vec<String> {
        let pids = own_app_pids();
        assert_eq!(pids.len(), 1, "one app process: {pids:?}");
        tray.labels(pids[0]).unwrap_or_else(|e| panic!("tray menu: {e}"))
    }

    /// Press Ctrl+`key` in the page, as a person does.
    pub async fn press_ctrl(&self, key: char) {
        let body = self.find("body").await;
        body.send_keys(&format!("{}{key}{}", char::from(Key::Control), char::from(Key::Null)))
            .await
            .expect("keys");
    }

    /// Press Enter in the element matching `css`.
    pub async fn press_enter(&self, css: &str) {
        self.find(css).await.send_keys(&char::from(Key::Enter).to_string()).await.expect("Enter");
    }

    /// *Open Evergreen* in the tray menu, and drive the new window.
    pub async fn reopen_from_tray(&self, tray: &TrayHost) {
        self.tray_click(tray, "Open Evergreen").await;
        self.switch_to_new_window().await;
    }

    async fn switch_to_new_window(&self) {
        let started = Instant::now();
        loop {
            if let Ok(handles) = self.client.windows().await
                && let Some(handle) = handles.into_iter().next()
                && self.client.switch_to_window(handle).await.is_ok()
            {
                return;
            }
            assert!(started.elapsed() < UI_TIMEOUT, "no window after reopening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Run `script` in the page (a function body: `return` gives its answer).
    pub async fn script(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.expect("the script runs in the page")
    }

    /// Every element (and `::before`/`::after`) the page paints with a blurred shadow or a
    /// blurring filter, as WebKit computed its style: WebKitGTK paints this window in software
    /// and blurs again whenever anything in the box repaints (docs/PERFORMANCE.md). What the
    /// stylesheets' own check (`ui/src/styles/__tests__/shadows.test.ts`) cannot see — an inline
    /// style, a custom property set from a component, an SVG filter — shows here.
    pub async fn blurred_paint(&self) -> Vec<String> {
        let found = self.script(BLURRED_PAINT).await;
        serde_json::from_value(found).expect("a list of strings")
    }

    /// Everything the page shows, for failure messages.
    pub async fn page_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("<no page: {e}>"),
        }
    }

    /// Launch the app binary a second time with `arg`, as the OS does for a deep link, on the
    /// same profile; wait for it to exit and return its status.
    pub fn launch_again(&self, arg: &str) -> ExitStatus {
        self.run_to_exit(Command::new(app_binary()).arg(arg), "the second instance")
    }

    /// Open `link` with `xdg-open`, as a browser hands a link to the desktop: the desktop
    /// entry of the installed package starts `evergreen %u`, which hands over and exits.
    pub fn open_with_xdg_open(&self, link: &str) -> ExitStatus {
        self.run_to_exit(Command::new("xdg-open").arg(link), "xdg-open")
    }

    fn run_to_exit(&self, command: &mut Command, what: &str) -> ExitStatus {
        let mut child = command
            .envs(self.profile.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for it") {
                return status;
            }
            if started.elapsed() > UI_TIMEOUT {
                let _ = child.kill();
                panic!("{what} did not hand over and exit within {UI_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Save a PNG of the window.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Navigate the app's router to `route` (e.g. `/dashboard`).
    pub async fn go(&self, route: &str) {
        self.client
            .execute("window.location.hash = arguments[0];", vec![serde_json::json!(route)])
            .await
            .expect("navigate");
    }

    /// Type `text` into the input matching `css` (after clearing it). Clicks it first, as a
    /// person would: a field left alone for 10 s gives up its focus to stop its caret blinking
    /// (`ui/src/lib/quiet-caret.ts`) until the next key or click, and WebDriver's clear is
    /// neither.
    pub async fn type_into(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            let input = self.find(css).await;
            let typed = async {
                input.click().await?;
                input.clear().await?;
                input.send_keys(text).await
            };
            match typed.await {
                Ok(()) => return,
                // Drawn again meanwhile: type into the field that is there now, from the start.
                Err(e) if e.is_stale_element_reference() && started.elapsed() < UI_TIMEOUT => {}
                Err(e) => panic!("type into {css}: {e}"),
            }
        }
    }

    /// First run: create the vault with `passphrase` and wait for the app behind it.
    pub async fn create_vault(&self, passphrase: &str) {
        self.type_into("[data-testid=create-vault] [data-testid=passphrase]", passphrase).await;
        self.type_into("[data-testid=create-vault] [data-testid=confirmation]", passphrase).await;
        self.click("[data-testid=create-vault-submit]").await;
        self.find("[data-testid=lock]").await;
    }

    /// Later runs: unlock with `passphrase` and wait for the app behind it.
    pub async fn unlock(&self, passphrase: &str) {
        self.type_into("[data-testid=unlock-vault] [data-testid=passphrase]", passphrase).await;
        self.click("[data-testid=unlock-submit]").await;
        self.find("[data-testid=lock]").await;
    }

    /// End the session (the app process exits with it) and hand back the profile, so a test
    /// can start the app again on it.
    pub async fn close(self) -> Profile {
        // Closing the window leaves Evergreen running in the tray, so the session's end does
        // not end the app: ask it to quit as the desktop does at logout (SIGTERM).
        let _ = tokio::time::timeout(Duration::from_secs(5), self.client.close()).await;
        let _ = Command::new("pkill").args(["-TERM", "-f", &own_app_pattern()]).status();
        let started = Instant::now();
        while app_processes() > 0 {
            assert!(started.elapsed() < UI_TIMEOUT, "the app did not quit on SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.profile
    }
}

/// The app started without a window (`--hidden`, as at login), so without WebDriver: what it
/// does is read from its log, the sandbox and the desktop. Quit (SIGTERM) when dropped.
pub struct Background {
    child: Child,
    profile: Profile,
}

impl Background {
    /// Start the app on `profile` with `args`.
    pub fn start(profile: Profile, args: &[&str]) -> Self {
        let child = Command::new(app_binary())
            .args(args)
            .envs(profile.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the app starts");
        Self { child, profile }
    }

    /// The app's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.profile.app_log()).unwrap_or_default()
    }

    /// Wait until the app's log holds a line with `needle`; return that line.
    pub async fn wait_for_log(&self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let log = std::fs::read_to_string(self.profile.app_log()).unwrap_or_default();
            if let Some(line) = log.lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            assert!(started.elapsed() < UI_TIMEOUT, "no {needle:?} in the log:\n{log}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The demo's pretend Instagram, from the line the app logs when it starts it.
    pub async fn sandbox(&self) -> Sandbox {
        let line = self.wait_for_log("demo mode: pretend Instagram").await;
        let url = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("instagram="))
            .unwrap_or_else(|| panic!("the sandbox's address in {line:?}"));
        Sandbox::of(url)
    }

    /// Quit as at logout, and wait for the process to end.
    pub fn quit(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo's pretend Instagram, reached through its control API (its address is the host of
/// the sign-in pages the app opens).
pub struct Sandbox {
    base: String,
    http: control_http::Client,
}

impl Sandbox {
    /// The sandbox that served `authorize_url`.
    pub fn of(authorize_url: &str) -> Self {
        let url = url_base(authorize_url);
        Self { base: url, http: control_http::client() }
    }

    async fn account_id(&self, username: &str) -> String {
        let accounts: serde_json::Value = self.get("/_sandbox/accounts").await;
        accounts
            .as_array()
            .and_then(|all| all.iter().find(|a| a["username"] == username))
            .and_then(|a| a["user_id"].as_str())
            .unwrap_or_else(|| panic!("no sandbox account @{username}"))
            .to_string()
    }

    async fn get(&self, path: &str) -> serde_json::Value {
        control_http::get_json(&self.http, &format!("{}{path}", self.base)).await
    }

    /// POST `body` to a control path.
    pub async fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        control_http::post_json(&self.http, &format!("{}{path}", self.base), body).await
    }

    /// End every token of `username` with `subcode`, as Instagram does after a password change.
    pub async fn revoke(&self, username: &str, subcode: i64) {
        let id = self.account_id(username).await;
        self.post(&format!("/_sandbox/accounts/{id}/revoke"), serde_json::json!({ "subcode": subcode }))
            .await;
    }

    /// End every account's tokens with `subcode`: a mass failure, as when Instagram logs
    /// everyone out of an app.
    pub async fn revoke_all(&self, subcode: i64) {
        let accounts = self.get("/_sandbox/accounts").await;
        let ids: Vec<String> = accounts
            .as_array()
            .map(|all| all.iter().filter_map(|a| a["user_id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        for id in ids {
            self.post(&format!("/_sandbox/accounts/{id}/revoke"), serde_json::json!({ "subcode": subcode }))
                .await;
        }
    }

    /// Put `username` behind (or out of) a checkpoint.
    pub async fn checkpoint(&self, username: &str, on: bool) {
        let id = self.account_id(username).await;
        self.post(&format!("/_sandbox/accounts/{id}/checkpoint"), serde_json::json!({ "on": on })).await;
    }

    /// The sandbox the running demo app uses (from its demo banner).
    pub async fn of_app(app: &Session) -> Self {
        let banner = app.find("[data-testid=demo-banner]").await;
        let url =
            banner.attr("data-instagram").await.expect("attribute").expect("demo mode shows its sandbox");
        Self::of(&url)
    }

    /// Calls to `endpoint` so far: (status, token age in seconds).
    pub async fn calls(&self, endpoint: &str) -> Vec<(u64, i64)> {
        let calls = self.get("/_sandbox/calls").await;
        calls
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|c| c["endpoint"] == endpoint)
                    .map(|c| (c["status"].as_u64().unwrap_or(0), c["token_age_secs"].as_i64().unwrap_or(-1)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Add latency to every Instagram call.
    pub async fn latency(&self, ms: u64) {
        self.post("/_sandbox/latency", serde_json::json!({ "ms": ms })).await;
    }
}

fn url_base(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |i| i + after_scheme);
    url[..end].to_string()
}

/// The stand-in notification service on the test's session bus (`notification-recorder`,
/// built beside the app); stopped when dropped.
pub struct Notifications {
    child: Child,
    file: PathBuf,
    _dir: TempDir,
}

impl Notifications {
    /// Own `org.freedesktop.Notifications` until dropped.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("notifications.jsonl");
        let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/notification-recorder");
        let mut child = Command::new(&binary)
            .arg(&file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e} (scripts/e2e.sh builds it)", binary.display()));
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut ready,
        )
        .expect("recorder ready");
        assert_eq!(ready.trim(), "ready", "the recorder owns the notification service");
        Self { child, file, _dir: dir }
    }

    /// Every notification shown so far.
    pub fn shown(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Wait until a notification whose summary contains `needle` is shown; return it.
    pub async fn wait_for(&self, needle: &str) -> serde_json::Value {
        let started = Instant::now();
        loop {
            if let Some(n) =
                self.shown().into_iter().find(|n| n["summary"].as_str().is_some_and(|s| s.contains(needle)))
            {
                return n;
            }
            assert!(started.elapsed() < UI_TIMEOUT, "no notification {needle:?}; shown: {:?}", self.shown());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Notifications {
    /// Click the notification `id` as a person would (the recorder's own `InvokeAction`).
    pub async fn click(&self, id: u64) {
        let connection = zbus::Connection::session().await.expect("the tests' session bus");
        let id = u32::try_from(id).expect("a notification id");
        connection
            .call_method(
                Some("org.freedesktop.Notifications"),
                "/org/freedesktop/Notifications",
                Some("org.freedesktop.Notifications"),
                "InvokeAction",
                &(id, "default"),
            )
            .await
            .expect("the recorder plays the click");
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// WebKit's web (page) processes of the app under test running right now.
pub fn web_processes() -> usize {
    own_app_pids()
        .iter()
        .map(|pid| {
            let output = Command::new("pgrep")
                .args(["-P", &pid.to_string(), "-f", "WebKitWebProcess"])
                .output()
                .expect("pgrep");
            String::from_utf8_lossy(&output.stdout).lines().count()
        })
        .sum()
}

/// The processes of the app under test running right now (this build's binary only: other
/// copies of Evergreen on the machine, a benchmark's say, are not ours to count or stop).
pub fn app_processes() -> usize {
    own_app_pids().len()
}

/// The pid of the app under test (the one process of this build's binary).
pub fn app_pid() -> u32 {
    let pids = own_app_pids();
    assert_eq!(pids.len(), 1, "one app process: {pids:?}");
    pids[0]
}

fn own_app_pids() -> Vec<u32> {
    let output = Command::new("pgrep").args(["-f", &own_app_pattern()]).output().expect("pgrep");
    String::from_utf8_lossy(&output.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// A `pgrep -f` pattern for command lines that start with this build's app binary.
fn own_app_pattern() -> String {
    let path = app_binary().display().to_string();
    let escaped: String = path
        .chars()
        .flat_map(|c| if ".[]()*+?{}|^$\\".contains(c) { vec!['\\', c] } else { vec![c] })
        .collect();
    format!("^{escaped}( |$)")
}

/// [`Session::blurred_paint`]'s walk over the page. A computed shadow reads
/// `<colour> <x> <y> <blur> [<spread>] [inset]`, shadows separated by commas outside brackets.
const BLURRED_PAINT: &str = r#"
const blurred = (shadow) => {
  if (!shadow || shadow === 'none') return false;
  const shadows = [];
  let depth = 0, current = '';
  for (const c of shadow) {
    if (c === '(') depth += 1;
    if (c === ')') depth -= 1;
    if (c === ',' && depth === 0) { shadows.push(current); current = ''; } else current += c;
  }
  shadows.push(current);
  return shadows.some((one) => {
    const lengths = one.replace(/[a-z-]+\([^)]*\)/gi, ' ').trim().split(/\s+/).filter((t) => /^-?[\d.]+px$/.test(t));
    return lengths.length >= 3 && parseFloat(lengths[2]) > 0;
  });
};
const blurring = (filter) => !!filter && /(blur|drop-shadow|url)\(/i.test(filter);
const found = [];
for (const element of document.querySelectorAll('*')) {
  for (const pseudo of [null, '::before', '::after']) {
    const style = getComputedStyle(element, pseudo);
    if (blurred(style.boxShadow) || blurred(style.textShadow) || blurring(style.filter)
        || blurring(style.backdropFilter) || blurring(style.webkitBackdropFilter)) {
      const name = element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).split(' ').join('.') : '');
      found.push(`${name}${pseudo ?? ''}: box-shadow ${style.boxShadow}; text-shadow ${style.textShadow}; filter ${style.filter}`);
    }
  }
}
return found;
"#;
