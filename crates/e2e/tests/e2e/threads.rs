//! Threads in the real window, in demo mode: a Threads profile connects through the pretend
//! Threads and the demo's relay, lives on its own card, and is renewed beside an Instagram
//! account by the same timer with the window closed; the switcher and the tray name its
//! network.

use std::time::{Duration, Instant};

use evergreen_e2e::{Profile, Sandbox, Session, TrayHost, UI_TIMEOUT, seed};
use evergreen_sandbox::person::Decision;

use crate::PASS;

#[tokio::test]
async fn a_threads_profile_connects_on_its_own_card_and_shows_as_threads() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    app.go("/settings/integrations").await;
    app.wait_for_text("[data-testid=threads-card]", "Not connected").await;
    app.begin_connect("[data-testid=connect-threads]").await;
    let page = app.opened_url(1).await;
    let banner = app.find("[data-testid=demo-banner]").await;
    let instagram_url = banner.attr("data-instagram").await.unwrap().unwrap();
    assert!(
        !page.starts_with(instagram_url.trim_end_matches('/')),
        "Threads' own sign-in page, not Instagram's: {page}"
    );
    assert!(page.contains("/oauth/authorize?") && page.contains("threads_basic"), "{page}");

    let link = app.browse(1, &Decision::allow("harbour.cafe")).await;
    assert!(link.starts_with("app.evergreen:/oauth/threads?"), "the link names its network: {link}");
    assert!(app.launch_again(&link).success(), "the second instance hands over and exits");
    app.wait_for_text("[data-testid=link-notice]", "@harbour.cafe is connected").await;

    let dashboard = app.wait_for_text("[data-testid=dashboard-account]", "@harbour.cafe").await;
    assert!(dashboard.contains("Threads profile") && dashboard.contains("in 60 days"), "{dashboard}");
    let network = app.find("[data-testid=dashboard-account]").await.attr("data-network").await.unwrap();
    assert_eq!(network.as_deref(), Some("threads"));
    app.find("[data-testid=media-not-shown]").await;

    app.go("/settings/integrations").await;
    let card = app.wait_for_text("[data-testid=threads-card]", "@harbour.cafe").await;
    assert!(card.contains("Connected") && card.contains("Threads profile"), "{card}");
    app.wait_for_text("[data-testid=instagram-card]", "Not connected").await;
    // Checked with Threads at once: renewed minutes ago, so it is asked who it is, not renewed.
    app.click("[data-testid=threads-card] [data-testid=refresh-now]").await;
    app.wait_for_text("[data-testid=refresh-result]", "Checked").await;
    let threads = Sandbox::of(&page);
    assert!(
        threads.calls("threads_me").await.iter().any(|(status, _)| *status == 200),
        "Threads answered /me"
    );
    assert!(threads.calls("me").await.is_empty(), "Instagram was never asked about a Threads profile");
    app.close().await;
}

#[tokio::test]
async fn both_networks_renew_in_the_background_and_the_menus_name_them() {
    let tray = TrayHost::start().expect("the panel stand-in owns the tray watcher");
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::due_soon_on_both(20));
    let app = Session::start_with(profile, &[]).await;
    app.unlock(PASS).await;
    let sandbox = Sandbox::of_app(&app).await;
    assert!(sandbox.calls("refresh").await.is_empty(), "not due yet");
    assert!(sandbox.calls("threads_refresh").await.is_empty(), "not due yet");
    app.close_to_tray().await;
    let started = Instant::now();
    loop {
        let (instagram, threads) = (sandbox.calls("refresh").await, sandbox.calls("threads_refresh").await);
        if let (Some(i), Some(t)) = (instagram.first(), threads.first()) {
            for (status, age) in [i, t] {
                assert_eq!(*status, 200);
                assert!(*age >= 48 * 3600, "renewed when due, not before: {age} s");
            }
            break;
        }
        assert!(started.elapsed() < UI_TIMEOUT * 3, "both renewed with the window closed");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The menu says which network each account is on.
    let started = Instant::now();
    loop {
        let labels = app.tray_labels(&tray);
        if labels.iter().any(|l| l == "@harbour.cafe on Threads — refreshed just now")
            && labels.iter().any(|l| l == "@evergreen.shop — refreshed just now")
        {
            break;
        }
        assert!(started.elapsed() < UI_TIMEOUT, "the tray shows both renewals: {labels:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    app.reopen().await;
    app.go("/settings/integrations").await;
    app.wait_for_text("[data-testid=threads-card] [data-testid=account-row]", "refreshed just now").await;
    app.wait_for_text("[data-testid=instagram-card] [data-testid=account-row]", "refreshed just now").await;
    app.click("[data-testid=switcher]").await;
    let item =
        app.wait_for_text("[data-testid=switcher-item][data-username='harbour.cafe']", "@harbour.cafe").await;
    assert!(item.contains("Threads"), "{item}");
    let item = app.wait_for_text("[data-testid=switcher-item][data-username='evergreen.shop']", "@").await;
    assert!(item.contains("Instagram"), "{item}");
    app.close().await;
}
