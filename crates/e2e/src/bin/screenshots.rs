//! Write screenshots of every page and every state of the Instagram card to
//! `docs/screenshots/` (or the directory given as the first argument), from the real app in a
//! virtual display. Run through `scripts/screenshots.sh`.

use std::path::{Path, PathBuf};

use evergreen_e2e::{Profile, Sandbox, Session, seed};
use fantoccini::Locator;

const PASS: &str = "copper lantern meadow violin";

async fn shot(app: &Session, out: &Path, name: &str) {
    app.screenshot(&out.join(format!("{name}.png"))).await;
    println!("  {name}.png");
}

/// A picture of one element (an account row) rather than the window.
async fn element_shot(app: &Session, css: &str, out: &Path, name: &str) {
    let element = app.find(css).await;
    let png = element.screenshot().await.expect("element screenshot");
    std::fs::write(out.join(format!("{name}.png")), png).expect("write");
    println!("  {name}.png");
}

async fn row(username: &str) -> String {
    format!("[data-testid=account-row][data-username='{username}']")
}

#[tokio::main]
async fn main() {
    let out = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| "docs/screenshots".into());
    std::fs::create_dir_all(&out).expect("output directory");
    println!("writing to {}", out.display());

    // First run.
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
    app.find("[role=menu]").await;
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
