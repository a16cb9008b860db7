//! Automatic unlock against a real Secret Service: Debian's `gnome-keyring-daemon` on a
//! private D-Bus bus per test (its own `dbus-daemon`, its own keyring files in a temp dir),
//! checked from outside with `secret-tool`, as a person's other tools would see it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use evergreen_core::clock::ManualClock;
use evergreen_core::keyring::{self, LoginKeyring, SecretService, VaultId, WrappingKey};
use evergreen_core::paths::DataDir;
use evergreen_core::vault::VaultState;
use evergreen_core::{Code, DisplayStatus, Evergreen, StartUnlock};
use tempfile::TempDir;

use crate::support::{NO_RELAY, PASS, pass, profile, record, setup, t0};

/// The password the test's login keyring is created and unlocked with.
const LOGIN_PASSWORD: &str = "login password of the person";

/// A private session bus, and on it (unless asked not to) an unlocked login keyring.
struct Desktop {
    dir: TempDir,
    bus: Child,
    address: String,
}

impl Desktop {
    /// A bus with the keyring running and unlocked, as after a graphical login.
    fn with_keyring() -> Self {
        let desktop = Self::bus_only();
        desktop.start_keyring(true);
        desktop
    }

    /// A bus where nothing owns the Secret Service name and nothing can be activated.
    fn bus_only() -> Self {
        let dir = tempfile::Builder::new().prefix("evergreen-desktop-").tempdir().unwrap();
        for sub in ["run", "data", "home"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
                dir.path().join("run").display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            // It warns it may not raise its file limit as a user: not ours to show.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian's `dbus` package) runs");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "bus address: {address:?}");
        Self { dir, bus, address }
    }

    fn env(&self, command: &mut Command) {
        let at = |sub: &str| self.dir.path().join(sub);
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_RUNTIME_DIR", at("run"))
            .env("XDG_DATA_HOME", at("data"))
            .env("HOME", at("home"));
    }

    /// `gnome-keyring-daemon` on this bus, its login collection unlocked with the password
    /// (as PAM does at login) or, with `unlocked = false`, left locked.
    fn start_keyring(&self, unlocked: bool) {
        let mut command = Command::new("gnome-keyring-daemon");
        self.env(&mut command);
        command.args(["--components=secrets", "--daemonize"]).stdout(Stdio::null());
        if unlocked {
            command.arg("--unlock").stdin(Stdio::piped());
        }
        let mut daemon = command.spawn().expect("gnome-keyring-daemon (Debian's `gnome-keyring`) runs");
        if unlocked {
            daemon.stdin.take().unwrap().write_all(LOGIN_PASSWORD.as_bytes()).unwrap();
        }
        // `--daemonize` returns once the daemon is on the bus. It leaves when the bus goes.
        assert!(daemon.wait().unwrap().success(), "gnome-keyring-daemon started");
    }

    fn keyring(&self) -> Arc<dyn LoginKeyring> {
        Arc::new(SecretService::at_address(&self.address))
    }

    /// `secret-tool` on this bus: what a person's own tools see.
    fn secret_tool(&self, args: &[&str]) -> String {
        let mut command = Command::new("secret-tool");
        self.env(&mut command);
        let out = command.args(args).output().expect("secret-tool (Debian's `libsecret-tools`) runs");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    /// Every item of Evergreen's, as `secret-tool search --all` prints them.
    fn evergreen_items(&self) -> String {
        self.secret_tool(&["search", "--all", "--unlock", "application", "app.evergreen"])
    }

    /// The process that owns the Secret Service's name on this bus.
    fn keyring_pid(&self) -> String {
        let mut command = Command::new("gdbus");
        self.env(&mut command);
        let out = command
            .args([
                "call",
                "--session",
                "--dest",
                "org.freedesktop.DBus",
                "--object-path",
                "/org/freedesktop/DBus",
            ])
            .args(["--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", "org.freedesktop.secrets"])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&out.stdout);
        // `(uint32 1234,)`
        out.trim().trim_start_matches("(uint32 ").trim_end_matches(",)").to_owned()
    }

    /// Lock the login collection, as "Lock keyring" in Passwords and Keys does.
    fn lock_keyring(&self) {
        let mut command = Command::new("gdbus");
        self.env(&mut command);
        let out = command
            .args(["call", "--session", "--dest", "org.freedesktop.secrets", "--object-path"])
            .args(["/org/freedesktop/secrets", "--method", "org.freedesktop.Secret.Service.Lock"])
            .arg("['/org/freedesktop/secrets/collection/login']")
            .output()
            .unwrap();
        assert!(out.status.success(), "locked: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // The keyring daemon leaves with its bus.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// A profile's core whose keyring is `keyring`.
fn open(data: &DataDir, keyring: Arc<dyn LoginKeyring>) -> Evergreen {
    let clock = ManualClock::at(t0());
    Evergreen::open(evergreen_core::Setup {
        keyring,
        ..setup(data, &clock, NO_RELAY, evergreen_core::ignore_changes())
    })
    .unwrap()
}

/// A vault with one connected account and automatic unlock on, then closed as at logout.
async fn prepared(desktop: &Desktop) -> (TempDir, DataDir) {
    let (dir, data) = profile();
    let core = open(&data, desktop.keyring());
    core.create_vault(pass(PASS)).await.unwrap();
    core.save_connection(profile_of("1", "harbour.cafe"), record("IGAA-harbour", t0())).unwrap();
    core.enable_auto_unlock(pass(PASS)).await.unwrap();
    assert!(core.auto_unlock().await.unwrap().enabled);
    core.lock().await.unwrap();
    drop(core);
    (dir, data)
}

fn profile_of(ig: &str, username: &str) -> evergreen_core::Profile {
    evergreen_core::Profile {
        network: evergreen_core::account::Network::Instagram,
        network_user_id: ig.into(),
        app_scoped_id: None,
        username: username.into(),
        account_type: evergreen_core::account::AccountType::Business,
        profile_picture_url: None,
    }
}

fn status_of(core: &Evergreen) -> DisplayStatus {
    core.accounts().unwrap()[0].status
}

#[tokio::test]
async fn with_the_option_on_a_start_opens_the_vault_without_the_passphrase() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let items = desktop.evergreen_items();
    assert!(items.contains("label = Evergreen vault key"), "{items}");
    assert!(items.contains("attribute.vault = "), "names the vault: {items}");
    // The item holds the wrapping key (32 random bytes), never a token.
    let secret = items.lines().find_map(|l| l.strip_prefix("secret = ")).expect("a secret").trim();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(secret).unwrap().len(), 32);
    assert!(!items.contains("IGAA"), "{items}");

    let core = open(&data, desktop.keyring());
    assert_eq!(core.vault_state(), VaultState::Locked);
    assert!(matches!(core.unlock_at_start().await, StartUnlock::Unlocked(_)));
    assert_eq!(core.vault_state(), VaultState::Unlocked);
    assert_eq!(status_of(&core), DisplayStatus::Stored(evergreen_core::account::AccountStatus::Connected));
    assert_eq!(core.auto_unlock().await.unwrap().fallback, None);
    // Once per start: after *Lock*, it is the passphrase until the next start.
    core.lock().await.unwrap();
    assert_eq!(core.unlock_at_start().await, StartUnlock::NotTried);
    assert_eq!(core.vault_state(), VaultState::Locked);
    let events: Vec<String> =
        core.store().read(|r| r.events(10, None)).unwrap().into_iter().map(|e| e.event.detail).collect();
    assert!(events.contains(&"Vault unlocked with the login keyring".to_string()), "{events:?}");
}

#[tokio::test]
async fn lock_before_the_keyring_answers_wins() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let core = open(&data, desktop.keyring());
    core.lock().await.unwrap();
    assert_eq!(core.unlock_at_start().await, StartUnlock::NotTried);
    assert_eq!(core.vault_state(), VaultState::Locked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_while_the_start_unlocks_wins() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    // How long a start's unlock takes here, to press *Lock* at every point of it.
    let core = open(&data, desktop.keyring());
    let began = std::time::Instant::now();
    assert!(matches!(core.unlock_at_start().await, StartUnlock::Unlocked(_)));
    let takes = began.elapsed();
    drop(core);
    const STEPS: u32 = 64;
    for step in 0..=STEPS {
        let core = open(&data, desktop.keyring());
        let unlocking = tokio::spawn({
            let core = core.clone();
            async move { core.unlock_at_start().await }
        });
        tokio::time::sleep(takes * step / STEPS).await;
        core.lock().await.unwrap();
        let outcome = unlocking.await.unwrap();
        // Whenever *Lock* came, it is the last word: the vault ends locked.
        assert_eq!(
            core.vault_state(),
            VaultState::Locked,
            "Lock at {step}/{STEPS} of {takes:?}: {outcome:?}"
        );
    }
}

/// The start falls back to the passphrase, says why in `words`, once, and the passphrase
/// still opens the vault (and clears the reason).
async fn falls_back(core: &Evergreen, words: &str) {
    let expected = format!("{words}, so Evergreen needs its passphrase this time.");
    assert_eq!(core.unlock_at_start().await, StartUnlock::NeedsPassphrase(expected.clone()));
    assert_eq!(core.vault_state(), VaultState::Locked);
    assert_eq!(core.auto_unlock().await.unwrap().fallback, Some(expected));
    // Never a retry loop: a second call tries nothing.
    assert_eq!(core.unlock_at_start().await, StartUnlock::NotTried);
    core.unlock(pass(PASS)).await.unwrap();
    assert_eq!(core.auto_unlock().await.unwrap().fallback, None);
    assert_eq!(status_of(core), DisplayStatus::Stored(evergreen_core::account::AccountStatus::Connected));
}

#[tokio::test]
async fn a_locked_keyring_asks_for_the_passphrase_and_says_why() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    desktop.lock_keyring();
    falls_back(&open(&data, desktop.keyring()), "Your login keyring was locked").await;
}

#[tokio::test]
async fn a_keyring_started_without_the_login_password_is_locked_too() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    // Log out, and in without the keyring's password (an auto-login): the daemon starts with
    // the same keyring files, locked.
    let next_login = Desktop::bus_only();
    copy_keyrings(&desktop, &next_login);
    drop(desktop);
    next_login.start_keyring(false);
    falls_back(&open(&data, next_login.keyring()), "Your login keyring was locked").await;
}

fn copy_keyrings(from: &Desktop, to: &Desktop) {
    let (from, to) = (from.dir.path().join("data/keyrings"), to.dir.path().join("data/keyrings"));
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn a_deleted_item_asks_for_the_passphrase_and_says_why() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    desktop.secret_tool(&["clear", "application", "app.evergreen"]);
    assert!(desktop.evergreen_items().trim().is_empty());
    falls_back(&open(&data, desktop.keyring()), "Evergreen's key was no longer in your login keyring").await;
}

#[tokio::test]
async fn an_item_that_does_not_open_the_vault_asks_for_the_passphrase() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let items = desktop.evergreen_items();
    let vault = items.lines().find_map(|l| l.strip_prefix("attribute.vault = ")).unwrap().trim().to_owned();
    // Another key under the same name: written by something else, or a keyring restored
    // from an older backup.
    let other = WrappingKey::generate();
    desktop.keyring().store(&VaultId::parse(&vault).unwrap(), &other).await.unwrap();
    falls_back(&open(&data, desktop.keyring()), "The key in your login keyring doesn't open this vault")
        .await;
}

#[tokio::test]
async fn no_secret_service_on_the_bus_asks_for_the_passphrase_and_says_why() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let bare = Desktop::bus_only();
    falls_back(&open(&data, bare.keyring()), "Evergreen couldn't find a login keyring on this computer")
        .await;
    // No bus at all (a session without D-Bus): the same.
    let nowhere = tempfile::tempdir().unwrap();
    let gone = Arc::new(SecretService::at_address(format!("unix:path={}/none", nowhere.path().display())));
    let core = open(&data, gone);
    let StartUnlock::NeedsPassphrase(why) = core.unlock_at_start().await else { panic!("falls back") };
    assert!(why.starts_with("Evergreen couldn't find a login keyring"), "{why}");
}

#[tokio::test]
async fn a_keyring_that_never_answers_asks_for_the_passphrase_once_its_time_is_up() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    // The daemon owns its name but answers nothing: frozen, as a hung process would be.
    let pid = desktop.keyring_pid();
    let signal = |name: &str| assert!(Command::new("kill").args([name, &pid]).status().unwrap().success());
    signal("-STOP");
    let patient = std::time::Duration::from_millis(300);
    let core = open(&data, Arc::new(SecretService::at_address(&desktop.address).with_timeout(patient)));
    let began = std::time::Instant::now();
    let outcome = core.unlock_at_start().await;
    let waited = began.elapsed();
    signal("-KILL");
    assert_eq!(
        outcome,
        StartUnlock::NeedsPassphrase(
            "Your login keyring didn't answer in time, so Evergreen needs its passphrase this time.".into()
        )
    );
    assert!(waited < patient * 4, "gave up after {waited:?}");
    assert_eq!(core.vault_state(), VaultState::Locked);
    // Once: no retry.
    assert_eq!(core.unlock_at_start().await, StartUnlock::NotTried);
}

#[tokio::test]
async fn turning_the_option_off_deletes_the_item_and_the_next_start_asks() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let core = open(&data, desktop.keyring());
    core.disable_auto_unlock().await.unwrap();
    assert!(desktop.evergreen_items().trim().is_empty(), "{}", desktop.evergreen_items());
    assert!(!core.auto_unlock().await.unwrap().enabled);
    // No copy of the wrap is left beside the vault either.
    let header = data.vault_header();
    for file in [header.clone(), header.with_extension("json.prev")] {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!text.contains("keyring"), "{}: {text}", file.display());
    }
    drop(core);
    assert_eq!(open(&data, desktop.keyring()).unlock_at_start().await, StartUnlock::NotTried);
}

#[tokio::test]
async fn resetting_the_vault_deletes_the_item() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let core = open(&data, desktop.keyring());
    core.reset_vault().await.unwrap();
    assert!(desktop.evergreen_items().trim().is_empty(), "{}", desktop.evergreen_items());
    assert_eq!(core.vault_state(), VaultState::Missing);
}

#[tokio::test]
async fn resetting_a_vault_whose_header_is_damaged_deletes_the_item_too() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    // A damaged header is a common reason to reset: its spare copy still names the item.
    std::fs::write(data.vault_header(), b"{ not a header").unwrap();
    let core = open(&data, desktop.keyring());
    core.reset_vault().await.unwrap();
    assert!(desktop.evergreen_items().trim().is_empty(), "{}", desktop.evergreen_items());
}

#[tokio::test]
async fn turning_it_off_with_the_keyring_locked_turns_it_off_and_says_the_item_stayed() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let core = open(&data, desktop.keyring());
    desktop.lock_keyring();
    let error = core.disable_auto_unlock().await.unwrap_err();
    assert_eq!(error.code(), Code::LoginKeyring);
    assert!(error.to_string().contains("Delete “Evergreen vault key”"), "{error}");
    assert!(error.to_string().contains("change your passphrase"), "{error}");
    // Off all the same: the vault no longer names the item, so no start uses it.
    assert!(!core.auto_unlock().await.unwrap().enabled);
    drop(core);
    assert_eq!(open(&data, desktop.keyring()).unlock_at_start().await, StartUnlock::NotTried);
}

#[tokio::test]
async fn turning_it_on_needs_the_passphrase_and_an_unlocked_keyring_and_changes_nothing_otherwise() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = profile();
    let core = open(&data, desktop.keyring());
    core.create_vault(pass(PASS)).await.unwrap();
    let header = std::fs::read(data.vault_header()).unwrap();
    let wrong = core.enable_auto_unlock(pass("not the passphrase at all")).await.unwrap_err();
    assert_eq!(wrong.code(), Code::WrongPassphrase);
    assert!(desktop.evergreen_items().trim().is_empty());
    desktop.lock_keyring();
    let locked = core.enable_auto_unlock(pass(PASS)).await.unwrap_err();
    assert_eq!(locked.code(), Code::LoginKeyring);
    assert!(
        locked
            .to_string()
            .starts_with("Your login keyring was locked, so automatic unlock couldn't be turned on")
    );
    assert!(!core.auto_unlock().await.unwrap().enabled);
    assert_eq!(std::fs::read(data.vault_header()).unwrap(), header, "the header is as it was");
    let absent = open_elsewhere(&core, keyring::none()).await;
    assert_eq!(absent.code(), Code::LoginKeyring);
}

/// Turning it on with another keyring (none at all), on a second core of the same files.
async fn open_elsewhere(core: &Evergreen, keyring: Arc<dyn LoginKeyring>) -> evergreen_core::Error {
    let data = core.data_dir().clone();
    core.close(std::future::ready(())).await.unwrap();
    let other = open(&data, keyring);
    other.enable_auto_unlock(pass(PASS)).await.unwrap_err()
}

#[tokio::test]
async fn a_passphrase_change_keeps_automatic_unlock_when_the_keyring_answers() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let core = open(&data, desktop.keyring());
    core.unlock(pass(PASS)).await.unwrap();
    core.change_passphrase(pass(PASS), pass("a brand new passphrase")).await.unwrap();
    assert!(core.auto_unlock().await.unwrap().enabled);
    drop(core);
    let core = open(&data, desktop.keyring());
    assert!(matches!(core.unlock_at_start().await, StartUnlock::Unlocked(_)));
    assert_eq!(status_of(&core), DisplayStatus::Stored(evergreen_core::account::AccountStatus::Connected));
}

#[tokio::test]
async fn a_passphrase_change_with_the_keyring_locked_turns_automatic_unlock_off_and_says_so() {
    let desktop = Desktop::with_keyring();
    let (_dir, data) = prepared(&desktop).await;
    let core = open(&data, desktop.keyring());
    core.unlock(pass(PASS)).await.unwrap();
    desktop.lock_keyring();
    core.change_passphrase(pass(PASS), pass("a brand new passphrase")).await.unwrap();
    assert!(!core.auto_unlock().await.unwrap().enabled);
    let events: Vec<String> =
        core.store().read(|r| r.events(10, None)).unwrap().into_iter().map(|e| e.event.detail).collect();
    assert!(events.iter().any(|e| e.starts_with("Automatic unlock was turned off")), "{events:?}");
    core.lock().await.unwrap();
    core.unlock(pass("a brand new passphrase")).await.unwrap();
}
