//! Several accounts in the real window: switching, a restart that keeps the active account,
//! disconnecting with its confirmation, and a revoked account turning into "Reconnect
//! Instagram" through backend events, without reloading the page.

use evergreen_e2e::{Profile, Sandbox, Session};
use evergreen_sandbox::person::Decision;

use crate::PASS;

async fn connect(app: &Session, button: &str, n: usize, username: &str) {
    app.click(button).await;
    app.click("[data-testid=connect-continue]").await;
    app.find("[data-testid=connect-waiting]").await;
    let link = app.browse(n, &Decision::allow(username)).await;
    assert!(app.launch_again(&link).success());
    app.wait_for_text("[data-testid=link-notice]", &format!("@{username} is connected")).await;
}

async fn active(app: &Session) -> String {
    app.wait_for_text("[data-testid=switcher-active]", "@").await
}

#[tokio::test]
async fn switching_accounts_survives_a_restart_and_disconnect_asks_first() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    connect(&app, "[data-testid=connect-instagram]", 1, "evergreen.shop").await;
    app.go("/settings/integrations").await;
    connect(&app, "[data-testid=add-account]", 2, "studio.ama").await;
    assert_eq!(active(&app).await, "@evergreen.shop", "the first account is active until another is chosen");

    app.click("[data-testid=switcher]").await;
    app.click("[data-testid=switcher-item][data-username='studio.ama']").await;
    app.go("/dashboard").await;
    app.wait_for_text("[data-testid=switcher-active]", "@studio.ama").await;
    app.wait_for_text("[data-testid=profile]", "Studio Ama").await;

    let profile = app.close().await;
    let app = Session::start_with(profile, &[]).await;
    app.unlock(PASS).await;
    app.go("/dashboard").await;
    assert_eq!(active(&app).await, "@studio.ama", "the active account persists across restarts");
    app.wait_for_text("[data-testid=profile]", "Studio Ama").await;

    app.go("/settings/integrations").await;
    app.click("[data-testid=account-row][data-username='evergreen.shop'] [data-testid=disconnect]").await;
    app.wait_for_text("[data-testid=disconnect-dialog]", "Apps and websites").await;
    app.click("[data-testid=disconnect-confirm]").await;
    app.wait_for_text("[data-testid=instagram-card]", "@studio.ama").await;
    let started = std::time::Instant::now();
    while app.count("[data-testid=account-row]").await != 1 {
        assert!(started.elapsed() < evergreen_e2e::UI_TIMEOUT, "the disconnected account is gone");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.close().await;
}

#[tokio::test]
async fn an_account_revoked_at_instagram_turns_to_reconnect_without_a_reload() {
    let app = Session::start_with(Profile::new(), &[]).await;
    app.create_vault(PASS).await;
    connect(&app, "[data-testid=connect-instagram]", 1, "evergreen.shop").await;
    app.go("/settings/integrations").await;
    app.wait_for_text("[data-testid=account-row]", "Connected").await;
    // The page is never reloaded from here on: a marker set now must survive.
    app.client().execute("window.__evergreenMarker = 42;", vec![]).await.unwrap();

    let sandbox = Sandbox::of(&app.opened_url(1).await);
    sandbox.revoke("evergreen.shop", 460).await;
    app.click("[data-testid=refresh-now]").await;
    let row = app.wait_for_text("[data-testid=account-row]", "Reconnect Instagram").await;
    assert!(row.contains("Reconnect needed") && row.contains("after a password change"), "{row}");
    let marker = app.client().execute("return window.__evergreenMarker;", vec![]).await.unwrap();
    assert_eq!(marker, serde_json::json!(42), "updated by backend events, not a reload");
    app.close().await;
}
