//! Automatic unlock at a login start: the app started `--hidden` with a real login keyring on
//! the session bus renews without a window or a prompt; with the keyring locked, it asks for
//! the passphrase and says why, once.

use std::time::{Duration, Instant};

use evergreen_e2e::keyring::LoginKeyring;
use evergreen_e2e::{Background, Notifications, Profile, UI_TIMEOUT, seed, web_processes};

use crate::PASS;

/// A demo profile whose one account is due for renewal now, with automatic unlock on.
async fn due_with_auto_unlock(keyring: &LoginKeyring) -> Profile {
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::due_soon(0));
    keyring.enable_for(&profile.path(), PASS).await;
    profile
}

#[tokio::test]
async fn a_hidden_start_with_automatic_unlock_renews_with_no_window_and_no_prompt() {
    let keyring = LoginKeyring::start();
    let notifications = Notifications::start();
    let app = Background::start(due_with_auto_unlock(&keyring).await, &["--hidden"]);
    let sandbox = app.sandbox().await;
    app.wait_for_log("the vault opened with the login keyring").await;
    let started = Instant::now();
    let renewal = loop {
        if let Some(call) = sandbox.calls("refresh").await.first().copied() {
            break call;
        }
        assert!(started.elapsed() < UI_TIMEOUT, "no renewal after the unlock");
        assert_eq!(web_processes(), 0, "no window");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(renewal.0, 200, "renewed");
    assert_eq!(web_processes(), 0, "no window, no page");
    // Nothing asked the person for anything: no "locked" or "passphrase" notification.
    assert!(notifications.shown().is_empty(), "{:?}", notifications.shown());
    app.quit();
}

#[tokio::test]
async fn a_hidden_start_with_the_keyring_locked_asks_for_the_passphrase_and_says_why_once() {
    let keyring = LoginKeyring::start();
    let notifications = Notifications::start();
    let profile = due_with_auto_unlock(&keyring).await;
    keyring.lock();
    let app = Background::start(profile, &["--hidden"]);
    let shown = notifications.wait_for("Evergreen needs its passphrase").await;
    let body = shown["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("Your login keyring was locked, so Evergreen needs its passphrase this time."),
        "{body}"
    );
    let sandbox = app.sandbox().await;
    assert!(sandbox.calls("refresh").await.is_empty(), "nothing renewed while locked");
    // Said once: the scheduler's own "locked" nudge may follow, never a second reason.
    let reasons =
        notifications.shown().iter().filter(|n| n["summary"] == "Evergreen needs its passphrase").count();
    assert_eq!(reasons, 1);
    assert_eq!(web_processes(), 0, "no window was forced open");
    app.quit();
}

/// Evergreen's items in the keyring, as `secret-tool` (the person's own tools) lists them.
fn items_in_the_keyring() -> String {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "application", "app.evergreen"])
        .output()
        .expect("secret-tool (Debian: apt-get install libsecret-tools)");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[tokio::test]
async fn settings_turn_automatic_unlock_on_with_the_passphrase_and_off_again() {
    let _keyring = LoginKeyring::start();
    let app = evergreen_e2e::Session::start().await;
    app.create_vault(PASS).await;
    app.go("/settings").await;
    app.click("[data-testid=auto-unlock-toggle]").await;
    app.type_into("[data-testid=auto-unlock-passphrase]", PASS).await;
    app.click("[data-testid=auto-unlock-submit]").await;
    let started = Instant::now();
    while !items_in_the_keyring().contains("label = Evergreen vault key") {
        assert!(started.elapsed() < UI_TIMEOUT, "no item in the keyring: {}", items_in_the_keyring());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!items_in_the_keyring().contains("IGAA"), "a key, never a token");
    app.click("[data-testid=auto-unlock-toggle]").await;
    let started = Instant::now();
    while items_in_the_keyring().contains("Evergreen vault key") {
        assert!(started.elapsed() < UI_TIMEOUT, "the item stayed: {}", items_in_the_keyring());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.close().await;
}
