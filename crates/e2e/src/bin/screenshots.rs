//! Write screenshots of every page and every state of the Instagram card to
//! `docs/screenshots/` (or the directory given as the first argument), from the real app in a
//! virtual display. Run through `scripts/screenshots.sh`.

use std::path::{Path, PathBuf};

use evergreen_e2e::sign_in_service::SignInService;
use evergreen_e2e::{Profile, Sandbox, Session, seed};
use fantoccini::Locator;

const PASS: &str = "copper lantern meadow violin";

/// Until the page has drawn what its DOM holds: a snapshot is of the last frame drawn.
async fn drawn(app: &Session) {
    app.client()
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await
        .expect("two frames");
}

async fn shot(app: &Session, out: &Path, name: &str) {
    drawn(app).await;
    app.screenshot(&out.join(format!("{name}.png"))).await;
    println!("  {name}.png");
}

/// A picture of one element (an account row) rather than the window.
async fn element_shot(app: &Session, css: &str, out: &Path, name: &str) {
    let element = app.find(css).await;
    drawn(app).await;
    let png = element.screenshot().await.expect("element screenshot");
    std::fs::write(out.join(format!("{name}.png")), png).expect("write");
    println!("  {name}.png");
}

/// The window scrolled so that a section of a long page starts at its top (WebKit's element
/// snapshots of a scrolled page are offset, so the window is taken whole).
async fn section_shot(app: &Session, css: &str, out: &Path, name: &str) {
    let element = app.find(css).await;
    app.client()
        .execute(
            "arguments[0].scrollIntoView({ block: 'start' });",
            vec![serde_json::to_value(&element).expect("element")],
        )
        .await
        .expect("scroll");
    shot(app, out, name).await;
}

async fn row(username: &str) -> String {
    format!("[data-testid=account-row][data-username='{username}']")
}

#[tokio::main]
async fn main() {
    let out = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| "docs/screenshots".into());
    std::fs::create_dir_all(&out).expect("output directory");
    println!("writing to {}", out.display());

    // The first run with a sign-in service set for the computer, and Settings → Sign-in
    // service once real accounts are chosen.
    let service = SignInService::start("Harbour Agency sign-in").await;
    let profile = Profile::new().with_system_config(&format!("sign_in_service = \"{}\"\n", service.url()));
    let app = Session::start_with(profile, &[]).await;
    app.find("[data-testid=choice-real] [data-testid=service-summary][data-state=ok]").await;
    shot(&app, &out, "first-run").await;
    app.click("[data-testid=choose-real]").await;
    app.create_vault(PASS).await;
    app.go("/settings").await;
    app.type_into("[data-testid=sign-in-service-address]", service.url().as_str()).await;
    app.click("[data-testid=sign-in-service-save]").await;
    app.find("[data-testid=sign-in-service-saved]").await;
    section_shot(&app, "[data-testid=sign-in-service]", &out, "settings-sign-in-service").await;
    section_shot(&app, "[data-testid=mode-switch]", &out, "settings-mode-switch").await;
    app.close().await;

    // First run with nothing configured: the pretend Instagram, as `scripts/run.sh` starts.
    let app = Session::start().await;
    app.find("[data-testid=create-vault]").await;
    shot(&app, &out, "vault-create").await;
    app.create_vault(PASS).await;
    app.find("[data-testid=instagram-card]").await;
    shot(&app, &out, "integrations-not-connected").await;
    element_shot(&app, "[data-testid=instagram-card]", &out, "card-not-connected").await;
    app.click("[data-testid=connect-instagram]").await;
    app.find("[data-testid=connect-dialog]").await;
    shot(&app, &out, "connect-before").await;
    app.click("[data-testid=connect-continue]").await;
    app.find("[data-testid=connect-waiting]").await;
    shot(&app, &out, "connect-waiting").await;
    app.close().await;

    // A profile with an account in every state.
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::every_state());
    let app = Session::start_with(profile, &[]).await;
    app.find("[data-testid=unlock-vault]").await;
    app.wait_for_text("[data-testid=instagram-card]", "Locked").await;
    shot(&app, &out, "vault-unlock-locked-accounts").await;
    element_shot(&app, &row("evergreen.shop").await, &out, "card-locked").await;
    app.unlock(PASS).await;
    app.go("/settings/integrations").await;
    app.wait_for_text(&row("studio.ama").await, "Log in on Instagram").await;
    app.wait_for_text(&row("harbour.cafe").await, "Expires in 5 days").await;
    shot(&app, &out, "integrations-every-state").await;
    element_shot(&app, &row("evergreen.shop").await, &out, "card-connected").await;
    element_shot(&app, &row("harbour.cafe").await, &out, "card-expiring").await;
    element_shot(&app, &row("old.brand").await, &out, "card-needs-reconnect").await;
    element_shot(&app, &row("studio.ama").await, &out, "card-needs-instagram-login").await;

    // Catch a refresh in the act: slow the pretend Instagram down, then click.
    app.click("[data-testid=add-account]").await;
    app.click("[data-testid=connect-continue]").await;
    let sandbox = Sandbox::of(&app.opened_url(1).await);
    app.click("[data-testid=connect-cancel]").await;
    sandbox.latency(4_000).await;
    app.click(&format!("{} [data-testid=refresh-now]", row("evergreen.shop").await)).await;
    app.wait_for_text(&row("evergreen.shop").await, "Refreshing").await;
    element_shot(&app, &row("evergreen.shop").await, &out, "card-refreshing").await;
    sandbox.latency(0).await;
    app.wait_for_text(&format!("{} [data-testid=refresh-result]", row("evergreen.shop").await), "Renewed")
        .await;

    // The dashboard of the healthy account, the switcher open, settings, activity.
    app.go("/dashboard").await;
    app.wait_for_text("[data-testid=switcher-active]", "@").await;
    app.click("[data-testid=switcher]").await;
    app.find("[role=listbox][aria-label=Accounts]").await;
    shot(&app, &out, "switcher").await;
    app.click("[data-testid=switcher-item][data-username='evergreen.shop']").await;
    app.wait_for_text("[data-testid=profile]", "Evergreen Shop").await;
    app.find("[data-testid=media-tile]").await;
    let _ = app.client().find(Locator::Css("body")).await;
    shot(&app, &out, "dashboard").await;
    app.go("/settings").await;
    app.find("[data-testid=policy-form]").await;
    shot(&app, &out, "settings").await;
    app.go("/activity").await;
    app.find("[data-testid=activity-row]").await;
    shot(&app, &out, "activity").await;
    app.close().await;
    println!("done");
}
