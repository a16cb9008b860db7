//! Working with nobody looking: a real desktop notification over D-Bus, renewals with the
//! window closed, the tray menu, and the login entry.

use std::time::{Duration, Instant};

use evergreen_e2e::{
    Notifications, Profile, Sandbox, Session, TrayHost, UI_TIMEOUT, app_processes, seed, web_processes,
};

use crate::PASS;

#[tokio::test]
async fn a_dead_connection_sends_a_real_desktop_notification() {
    let notifications = Notifications::start();
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::due_soon(3600));
    let app = Session::start_with(profile, &[]).await;
    app.unlock(PASS).await;
    let sandbox = Sandbox::of_app(&app).await;
    sandbox.revoke("evergreen.shop", 460).await;
    app.go("/settings/integrations").await;
    app.click("[data-testid=refresh-now]").await;
    let shown = notifications.wait_for("@evergreen.shop needs Reconnect").await;
    // Named by its executable, as the desktop entry's Exec is.
    assert_eq!(shown["app_name"], "evergreen");
    assert!(shown["body"].as_str().unwrap().contains("Open Evergreen and choose Reconnect"), "{shown}");
    app.wait_for_text("[data-testid=account-row]", "Reconnect Instagram").await;
    assert_eq!(notifications.shown().len(), 1, "once");
    app.close().await;
}

#[tokio::test]
async fn with_the_window_closed_the_app_keeps_running_and_renewing() {
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::due_soon(20));
    let app = Session::start_with(profile, &[]).await;
    app.unlock(PASS).await;
    let sandbox = Sandbox::of_app(&app).await;
    assert!(sandbox.calls("refresh").await.is_empty(), "not due yet");
    app.close_to_tray().await;
    let started = Instant::now();
    loop {
        let refreshes = sandbox.calls("refresh").await;
        if let Some((status, age)) = refreshes.first() {
            assert_eq!(*status, 200);
            assert!(*age >= 48 * 3600, "renewed when due, not before: {age} s");
            break;
        }
        assert!(started.elapsed() < UI_TIMEOUT * 3, "no renewal with the window closed");
        assert_eq!(app_processes(), 1, "the app keeps running in the tray");
        assert_eq!(web_processes(), 0, "no web process while the window is closed");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Open Evergreen again: the new window shows the renewal at once (state lives in Rust).
    let reopened = Instant::now();
    app.reopen().await;
    app.wait_for_text("[data-testid=account-row]", "refreshed just now").await;
    let shown_after = reopened.elapsed();
    assert!(shown_after < Duration::from_secs(3), "current accounts shown {shown_after:?} after reopening");
    app.close().await;
}

#[tokio::test]
async fn the_tray_menu_switches_accounts_and_opens_the_window_on_them() {
    // A panel is running before the app starts, as on a desktop.
    let tray = TrayHost::start().expect("the panel stand-in owns the tray watcher");
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::every_state());
    let app = Session::start_with(profile, &[]).await;
    app.unlock(PASS).await;
    app.wait_for_text("[data-testid=switcher-active]", "@evergreen.shop").await;
    app.close_to_tray().await;
    // The icon the panel reads is the profile's own, never a file in a shared /tmp directory.
    let icons =
        std::fs::read_dir(app.profile().path().join("tray-icon")).expect("the profile's icon directory");
    assert!(
        icons.flatten().any(|f| f.path().extension().is_some_and(|e| e == "png")),
        "icon file in the profile"
    );

    // With no window, the menu is all there is: choose another account, then open the window.
    app.tray_click(&tray, "@harbour.cafe").await;
    let reopened = Instant::now();
    app.reopen_from_tray(&tray).await;
    app.wait_for_text("[data-testid=switcher-active]", "@harbour.cafe").await;
    let shown_after = reopened.elapsed();
    assert!(shown_after < Duration::from_secs(3), "chosen account shown {shown_after:?} after opening");
    assert_eq!(app_processes(), 1, "the same app, not a second one");
    app.close().await;
}

#[tokio::test]
async fn launch_at_login_writes_and_removes_its_entry() {
    let home = tempfile::tempdir().unwrap();
    // The autostart entry goes to $HOME/.config/autostart (the plugin ignores XDG_CONFIG_HOME).
    let profile = Profile::new().with_env("HOME", &home.path().display().to_string());
    let app = Session::start_with(profile, &[]).await;
    app.create_vault(PASS).await;
    app.go("/settings").await;
    let entry = home.path().join(".config/autostart/Evergreen.desktop");
    assert!(!entry.exists(), "off by default");
    app.click("[data-testid=launch-at-login-toggle]").await;
    let started = Instant::now();
    while !entry.exists() {
        assert!(started.elapsed() < UI_TIMEOUT, "the login entry was written");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains("--hidden"), "starts hidden in the tray: {text}");
    app.click("[data-testid=launch-at-login-toggle]").await;
    let started = Instant::now();
    while entry.exists() {
        assert!(started.elapsed() < UI_TIMEOUT, "the login entry was removed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.close().await;
}
