//! The walking skeleton: the app starts, and links from the OS are handled cold and warm.

use evergreen_e2e::{Profile, Session, app_processes};

use crate::PASS;

const FORGED: &str = "app.evergreen:/oauth/instagram?handoff=x&state=y";

#[tokio::test]
async fn app_starts_on_integrations_with_instagram_not_connected() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    let card = app.wait_for_text("[data-testid=instagram-card]", "Instagram").await;
    assert!(card.contains("Not connected"), "card text: {card}");
    app.close().await;
}

/// What the app logs for a link from the OS that answers no pending sign-in (it shows nothing:
/// any program can send such links, and a banner each would let it cover the window).
const IGNORED: &str = "link answers no pending sign-in";

#[tokio::test]
async fn a_second_launch_hands_its_link_to_the_running_app_and_exits() {
    let app = Session::start().await;
    app.find("[data-testid=create-vault]").await;
    assert_eq!(app_processes(), 1, "one app before the link");

    let status = app.launch_again(FORGED);
    assert!(status.success(), "the second instance exits cleanly after handing over: {status}");
    app.wait_for_log(IGNORED, 1).await;
    assert_eq!(app.count("[data-testid=link-notice]").await, 0, "logged, not shown");
    assert_eq!(app_processes(), 1, "still exactly one app process");
    app.close().await;
}

#[tokio::test]
async fn malformed_links_are_refused_and_the_app_keeps_running() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    app.find("[data-testid=instagram-card]").await;
    let huge = format!("app.evergreen:/oauth/instagram?handoff={}&state=y", "A".repeat(100 * 1024));
    let cases: [(&str, &str); 6] = [
        ("https://evil.example/oauth/instagram?handoff=x&state=y", "not an Evergreen link"),
        ("app.evergreen://evil/oauth/instagram?handoff=x&state=y", "names a host"),
        ("app.evergreen:/oauth/instagram?handoff=x&handoff=z&state=y", "repeats its `handoff`"),
        ("app.evergreen:/oauth/instagram?handoff=%zz&state=y", "badly encoded"),
        ("app.evergreen:/oauth/instagram?state=y", "missing its `handoff`"),
        (huge.as_str(), "far longer than any link"),
    ];
    // From the OS: each is handled (logged) and nothing shows.
    for (i, (link, _)) in cases.iter().enumerate() {
        assert!(app.launch_again(link).success(), "second instance for {link:.60} exits cleanly");
        app.wait_for_log(IGNORED, i + 1).await;
    }
    assert_eq!(app.count("[data-testid=link-notice]").await, 0);
    assert_eq!(app_processes(), 1, "the app survived every malformed link");
    // Pasted into a waiting sign-in: refused in the field, with the reason.
    app.click("[data-testid=connect-instagram]").await;
    app.click("[data-testid=connect-continue]").await;
    for (link, reason) in &cases[1..5] {
        app.type_into("[data-testid=paste-link]", link).await;
        app.click("[data-testid=paste-submit]").await;
        app.wait_for_text("[data-testid=connect-dialog]", reason).await;
    }
    app.click("[data-testid=connect-cancel]").await;
    let card = app.wait_for_text("[data-testid=instagram-card]", "Instagram").await;
    assert!(card.contains("Not connected"), "nothing changed: {card}");
    app.close().await;
}

#[tokio::test]
async fn a_cold_start_with_a_link_handles_it_the_same_way() {
    let app = Session::start_with(Profile::new(), &[FORGED]).await;
    app.wait_for_log(IGNORED, 1).await;
    app.find("[data-testid=create-vault]").await;
    assert_eq!(app.count("[data-testid=link-notice]").await, 0);
    app.close().await;
}
