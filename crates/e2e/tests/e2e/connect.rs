//! The connect flow in the real window: the app opens the sign-in page, the test plays the
//! person in the browser against the demo's sandbox and relay, and hands the resulting link
//! to the app by launching it a second time, as the OS does.

use evergreen_e2e::{Profile, Session, app_processes};
use evergreen_sandbox::person::Decision;

use crate::PASS;

/// Hand `link` to the running app as the OS would.
fn deliver(app: &Session, link: &str) {
    assert!(app.launch_again(link).success(), "the second instance hands over and exits");
    assert_eq!(app_processes(), 1);
}

async fn connect(app: &Session, button: &str, n: usize, username: &str) -> String {
    app.begin_connect(button).await;
    let link = app.browse(n, &Decision::allow(username)).await;
    deliver(app, &link);
    app.wait_for_text("[data-testid=link-notice]", &format!("@{username} is")).await;
    link
}

async fn rows(app: &Session) -> Vec<String> {
    app.go("/settings/integrations").await;
    app.find("[data-testid=account-row]").await;
    // Read in one script, not row by row: a row the list draws again between two reads
    // would be a stale reference.
    let names = app
        .client()
        .execute(
            "return [...document.querySelectorAll('[data-testid=account-row]')].map((row) => row.dataset.username);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(names).unwrap()
}

#[tokio::test]
async fn connecting_an_account_lands_on_the_dashboard_with_it_connected() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    connect(&app, "[data-testid=connect-instagram]", 1, "evergreen.shop").await;
    let account = app.wait_for_text("[data-testid=dashboard-account]", "@evergreen.shop").await;
    assert!(account.contains("in 60 days"), "{account}");
    assert_eq!(rows(&app).await, ["evergreen.shop"]);
    let row = app.wait_for_text("[data-testid=account-row]", "@evergreen.shop").await;
    assert!(
        row.contains("Connected") && row.contains("Business") && row.contains("expires in 60 days"),
        "{row}"
    );
    app.close().await;
}

#[tokio::test]
async fn the_same_account_twice_is_one_row_and_another_account_is_a_second() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    connect(&app, "[data-testid=connect-instagram]", 1, "evergreen.shop").await;
    app.go("/settings/integrations").await;
    connect(&app, "[data-testid=add-account]", 2, "evergreen.shop").await;
    assert!(
        app.opened_url(2).await.contains("force_authentication=1"),
        "another account asks for a fresh login"
    );
    assert_eq!(rows(&app).await, ["evergreen.shop"], "reconnecting the same account repairs it in place");
    app.go("/settings/integrations").await;
    connect(&app, "[data-testid=add-account]", 3, "studio.ama").await;
    assert_eq!(rows(&app).await, ["evergreen.shop", "studio.ama"]);
    app.close().await;
}

#[tokio::test]
async fn cancelling_at_instagram_says_so_in_the_dialog() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    app.begin_connect("[data-testid=connect-instagram]").await;
    let link = app.browse(1, &Decision::Cancel).await;
    deliver(&app, &link);
    app.wait_for_text("[data-testid=connect-error]", "You cancelled the Instagram login").await;
    assert_eq!(app.count("[data-testid=account-row]").await, 0);
    app.close().await;
}

#[tokio::test]
async fn a_replayed_link_is_refused_and_changes_nothing() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    let link = connect(&app, "[data-testid=connect-instagram]", 1, "evergreen.shop").await;
    // From the OS: answers no pending sign-in, so it is logged, never a banner (any program
    // could send it).
    deliver(&app, &link);
    // Pasted into a waiting dialog: refused there, in words.
    app.go("/settings/integrations").await;
    app.begin_connect("[data-testid=add-account]").await;
    app.type_into("[data-testid=paste-link]", &link).await;
    app.click("[data-testid=paste-submit]").await;
    app.wait_for_text("[data-testid=connect-dialog]", "This link was already used").await;
    assert_eq!(app.count("[data-testid=link-notice][data-kind=refused]").await, 0, "no banner");
    app.click("[data-testid=connect-cancel]").await;
    assert_eq!(rows(&app).await, ["evergreen.shop"]);
    app.close().await;
}

#[tokio::test]
async fn a_handoff_carrying_another_flows_state_is_refused() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    app.begin_connect("[data-testid=connect-instagram]").await;
    app.click("[data-testid=connect-cancel]").await;
    app.begin_connect("[data-testid=connect-instagram]").await;
    let first = app.opened_url(1).await;
    let second = app.opened_url(2).await;
    let state_of = |url: &str| url.split("state=").nth(1).unwrap().split('&').next().unwrap().to_string();
    // The first flow's relay session is still open: sign in there, then put the second flow's
    // state on its handoff.
    let link = app.browse(1, &Decision::allow("evergreen.shop")).await;
    let forged = link.replace(&state_of(&first), &state_of(&second));
    deliver(&app, &forged);
    app.wait_for_text("[data-testid=connect-error]", "This link belongs to a different sign-in").await;
    app.go("/settings/integrations").await;
    assert_eq!(app.count("[data-testid=account-row]").await, 0, "nothing connected");
    app.close().await;
}

#[tokio::test]
async fn a_link_for_an_expired_flow_is_refused() {
    let app = Session::start_with(Profile::new().with_env("EVERGREEN_CONNECT_TTL_SECS", "0"), &[]).await;
    app.create_vault(PASS).await;
    app.begin_connect("[data-testid=connect-instagram]").await;
    let link = app.browse(1, &Decision::allow("evergreen.shop")).await;
    deliver(&app, &link);
    app.wait_for_text("[data-testid=link-notice]", "This sign-in took too long and expired").await;
    app.close().await;
}

#[tokio::test]
async fn an_unreachable_relay_is_reported_before_the_browser_opens() {
    let app =
        Session::start_with(Profile::new().with_env("EVERGREEN_RELAY_URL", "http://127.0.0.1:9/"), &[]).await;
    app.create_vault(PASS).await;
    assert_eq!(app.count("[data-testid=demo-banner]").await, 0, "not demo mode");
    app.click("[data-testid=connect-instagram]").await;
    app.click("[data-testid=connect-continue]").await;
    app.wait_for_text("[data-testid=connect-error]", "couldn't reach its sign-in service").await;
    assert!(app.profile().opened_urls().is_empty(), "no browser was opened");
    app.close().await;
}
