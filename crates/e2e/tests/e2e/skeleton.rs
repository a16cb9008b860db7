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

#[tokio::test]
async fn a_second_launch_hands_its_link_to_the_running_app_and_exits() {
    let app = Session::start().await;
    app.find("[data-testid=create-vault]").await;
    assert_eq!(app_processes(), 1, "one app before the link");

    let status = app.launch_again(FORGED);
    assert!(status.success(), "the second instance exits cleanly after handing over: {status}");
    let notice = app.wait_for_text("[data-testid=link-notice]", "not one Evergreen started").await;
    assert!(notice.contains("Link refused"), "notice: {notice}");
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
    for (link, reason) in cases {
        assert!(app.launch_again(link).success(), "second instance for {link:.60} exits cleanly");
        app.wait_for_text("[data-testid=link-notice]", reason).await;
    }
    assert_eq!(app_processes(), 1, "the app survived every malformed link");
    let card = app.wait_for_text("[data-testid=instagram-card]", "Instagram").await;
    assert!(card.contains("Not connected"), "nothing changed: {card}");
    app.close().await;
}

#[tokio::test]
async fn a_cold_start_with_a_link_shows_the_same_refusal() {
    let app = Session::start_with(Profile::new(), &[FORGED]).await;
    let notice = app.wait_for_text("[data-testid=link-notice]", "not one Evergreen started").await;
    assert!(notice.contains("Link refused"), "notice: {notice}");
    app.close().await;
}
