//! An agency's day with 500 accounts in the real window: finding one by typing (on
//! Integrations and in the Ctrl+K switcher), and a mass failure that sends one notification,
//! not hundreds, whose click opens Integrations on them.

use evergreen_e2e::{Notifications, Profile, Sandbox, Session, TrayHost, UI_TIMEOUT, seed};

use crate::PASS;

const ACCOUNTS: usize = 500;

#[tokio::test]
async fn five_hundred_accounts_one_found_by_typing_and_a_mass_failure_is_one_notification() {
    let notifications = Notifications::start();
    let tray = TrayHost::start().expect("the panel stand-in owns the tray watcher");
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::agency(ACCOUNTS));
    let app = Session::start_with(profile, &[]).await;
    app.unlock(PASS).await;

    // Integrations: the search leaves the one account typed.
    app.go("/settings/integrations").await;
    app.find("[data-testid=account-search]").await;
    app.wait_for_text("[data-testid=account-count]", "500 accounts").await;
    // Drawn a page at a time, attention first: never 500 rows at once.
    assert_eq!(app.count("[data-testid=account-row]").await, 20);
    assert_eq!(app.blurred_paint().await, Vec::<String>::new(), "nothing on Integrations is blurred");
    // The check sees a blur however it is set (here an inline style and a custom property).
    app.script(
        "document.body.style.setProperty('--lift', '0 4px 16px rgb(0 0 0 / 5%)'); \
         document.body.style.boxShadow = 'var(--lift)'; \
         document.querySelector('.topbar').style.filter = 'drop-shadow(0 1px 2px black)'; return null;",
    )
    .await;
    assert_eq!(app.blurred_paint().await.len(), 2, "{:?}", app.blurred_paint().await);
    app.script("document.body.style = ''; document.querySelector('.topbar').style.filter = ''; return null;")
        .await;
    // The top bar (the switcher, Lock) stays in view down a long list.
    let top = app
        .script(
            "window.scrollTo(0, document.documentElement.scrollHeight); \
             return [window.scrollY, document.querySelector('.topbar').getBoundingClientRect().top];",
        )
        .await;
    assert!(top[0].as_f64().unwrap_or(0.0) > 0.0, "the page scrolled: {top}");
    assert_eq!(top[1].as_f64(), Some(0.0), "the top bar stays at the top of the window: {top}");
    app.script("window.scrollTo(0, 0); return null;").await;
    app.type_into("[data-testid=account-search]", "pepper").await;
    app.wait_for_text("[data-testid=account-count]", "Showing 1 of 500").await;
    assert_eq!(app.count("[data-testid=account-row]").await, 1);
    app.find("[data-testid=account-row][data-username='pepper.salon']").await;

    // The switcher, from anywhere with Ctrl+K: type, Enter.
    app.go("/dashboard").await;
    app.find("[data-testid=switcher]").await;
    app.press_ctrl('k').await;
    app.find("[data-testid=switcher-search]").await;
    // Bounded in height: the list scrolls inside itself, the page does not grow.
    let list = app
        .script(
            "const list = document.querySelector('.switcher__list'); \
             return [list.getBoundingClientRect().height, list.scrollHeight, window.innerHeight, \
                     document.querySelector('.switcher__menu').getBoundingClientRect().bottom];",
        )
        .await;
    let [height, content, window, bottom] = [0, 1, 2, 3].map(|i| list[i].as_f64().unwrap_or(f64::NAN));
    assert!(height <= 0.6 * window + 1.0, "the switcher's list is {height}px in a {window}px window");
    assert!(content > height, "its items scroll inside it ({content}px in {height}px)");
    assert!(
        bottom <= window,
        "the whole open switcher is in the window (its bottom at {bottom}px of {window}px)"
    );
    assert_eq!(app.blurred_paint().await, Vec::<String>::new(), "nothing in the open switcher is blurred");
    app.type_into("[data-testid=switcher-search]", "pepper.sal").await;
    assert_eq!(app.count("[data-testid=switcher-item]").await, 1);
    app.press_enter("[data-testid=switcher-search]").await;
    app.wait_for_text("[data-testid=switcher-active]", "@pepper.salon").await;

    // Unlocking found those that already needed the person: one notification per action.
    notifications.wait_for("accounts need reconnecting").await;
    let before = notifications.shown().len();
    assert!(before <= 3, "grouped at unlock: {:?}", notifications.shown());

    // A tray for hundreds: a summary, at most ten that need attention, the active one, and
    // the way to all of them; never hundreds of items.
    let started = std::time::Instant::now();
    let labels = loop {
        // The tray is rebuilt shortly after a change (debounced): wait for the switch.
        let labels = app.tray_labels(&tray);
        if labels.iter().any(|l| l.starts_with("@pepper.salon")) || started.elapsed() > UI_TIMEOUT {
            break labels;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(labels.len() <= 22, "{} tray items: {labels:?}", labels.len());
    assert!(labels.iter().any(|l| l == "All 500 accounts…"), "{labels:?}");
    assert!(labels.iter().any(|l| l.starts_with("@pepper.salon")), "the active account: {labels:?}");
    assert!(labels.iter().any(|l| l.starts_with("and ") && l.ends_with("more need attention")), "{labels:?}");

    // Every token dies at once; a renewal of all finds out.
    let sandbox = Sandbox::of_app(&app).await;
    sandbox.revoke_all(460).await;
    app.tray_click(&tray, "Refresh all").await;
    let started = std::time::Instant::now();
    let mass = loop {
        let shown = notifications.shown();
        if let Some(n) = shown
            .iter()
            .skip(before)
            .find(|n| n["summary"].as_str().is_some_and(|s| s.contains("need reconnecting")))
        {
            break n.clone();
        }
        assert!(started.elapsed() < UI_TIMEOUT * 6, "no notification for the mass failure: {shown:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let summary = mass["summary"].as_str().unwrap();
    let count: usize = summary.split_whitespace().next().unwrap().parse().unwrap();
    assert!(count > 400, "{summary}");
    assert!(mass["body"].as_str().unwrap().contains("more need Reconnect"), "{mass}");
    // Not one per account.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(notifications.shown().len() <= before + 3, "{:?}", notifications.shown());

    // Clicking it opens Integrations on the accounts it is about.
    assert!(mass["actions"].as_array().is_some_and(|a| a.iter().any(|x| x == "default")), "{mass}");
    notifications.click(mass["id"].as_u64().expect("the notification's id")).await;
    let filter = app.wait_for_text("[data-testid=filter-needs_you][aria-checked=true]", "Needs you").await;
    let needing: usize = filter.split_whitespace().last().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(needing >= count, "{filter}: the {count} of the notification among those shown");
    app.close().await;
}
