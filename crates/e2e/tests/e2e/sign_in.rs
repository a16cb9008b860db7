//! The installed app's way to real accounts: a sign-in service set for the computer, the
//! first run's choice, and Settings → Sign-in service with the move between real and demo.

use evergreen_e2e::sign_in_service::SignInService;
use evergreen_e2e::{Profile, Session};
use evergreen_sandbox::person::Decision;

use crate::PASS;

fn user_config(profile: &Profile) -> String {
    std::fs::read_to_string(profile.user_config()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_run_asks_and_real_accounts_connect_through_the_computers_service() {
    let service = SignInService::start("Harbour Agency sign-in").await;
    let profile = Profile::new()
        .with_system_config(&format!("sign_in_service = \"{}\"\n", service.url()))
        .with_env("EVERGREEN_INSTAGRAM_URL", service.sandbox().url().as_str());
    let app = Session::start_with(profile, &[]).await;
    let real = app.wait_for_text("[data-testid=choice-real]", "Harbour Agency sign-in").await;
    assert!(real.contains("127.0.0.1"), "the service's host is shown: {real}");
    assert_eq!(app.count("[data-testid=demo-banner]").await, 0, "nothing is pretend before the choice");
    app.click("[data-testid=choose-real]").await;
    app.create_vault(PASS).await;
    assert_eq!(app.count("[data-testid=demo-banner]").await, 0, "real mode");
    assert!(user_config(app.profile()).contains("mode = \"real\""), "the choice is kept");

    app.begin_connect("[data-testid=connect-instagram]").await;
    let link = app.browse(1, &Decision::allow("evergreen.shop")).await;
    assert!(app.launch_again(&link).success(), "the second instance hands over and exits");
    app.wait_for_text("[data-testid=link-notice]", "@evergreen.shop is").await;
    let calls: Vec<&str> = service.sandbox().world().calls(0).iter().map(|c| c.endpoint).collect();
    assert!(calls.contains(&"code_exchange"), "through the configured service: {calls:?}");
    let root = app.profile().root();
    assert!(root.join("vault.json").exists(), "the real profile holds the vault");
    assert!(!root.join("demo/vault.json").exists(), "and the demo none");

    app.go("/settings").await;
    let source = app.wait_for_text("[data-testid=sign-in-service-source]", "Set for this computer in").await;
    assert!(source.contains(&app.profile().system_config().display().to_string()), "{source}");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_run_can_choose_the_pretend_instagram_and_is_not_asked_again() {
    let service = SignInService::start("Harbour Agency sign-in").await;
    let profile = Profile::new().with_system_config(&format!("sign_in_service = \"{}\"\n", service.url()));
    let app = Session::start_with(profile, &[]).await;
    app.click("[data-testid=choose-demo]").await;
    app.create_vault(PASS).await;
    app.find("[data-testid=demo-banner]").await;
    assert!(app.profile().root().join("demo/vault.json").exists(), "the demo's own profile");
    assert!(!app.profile().root().join("vault.json").exists());
    let profile = app.close().await;

    let app = Session::start_with(profile, &[]).await;
    app.find("[data-testid=unlock-vault]").await;
    assert_eq!(app.count("[data-testid=first-run]").await, 0, "asked once");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_check_and_save_a_service_then_move_between_real_and_demo() {
    let service = SignInService::start("Harbour Agency sign-in").await;
    // Nothing configured: demo, as `scripts/run.sh` starts.
    let app = Session::start().await;
    app.create_vault(PASS).await;
    app.go("/settings").await;
    app.find("[data-testid=sign-in-service-none]").await;
    app.type_into("[data-testid=sign-in-service-address]", service.sandbox().url().as_str()).await;
    app.click("[data-testid=sign-in-service-save]").await;
    app.wait_for_text("[data-testid=sign-in-service-form]", "isn't an Evergreen sign-in service").await;
    app.type_into("[data-testid=sign-in-service-address]", "http://signin.example.com").await;
    app.click("[data-testid=sign-in-service-save]").await;
    app.wait_for_text("[data-testid=sign-in-service-form]", "https").await;
    app.type_into("[data-testid=sign-in-service-address]", service.url().as_str()).await;
    app.click("[data-testid=sign-in-service-save]").await;
    let saved = app.wait_for_text("[data-testid=sign-in-service-saved]", "Harbour Agency sign-in").await;
    assert!(saved.contains("990602627938098") && saved.contains("instagram_business_basic"), "{saved}");
    assert!(user_config(app.profile()).contains(&format!("sign_in_service = \"{}\"", service.url())));

    app.click("[data-testid=use-real]").await;
    app.create_vault("another passphrase for real").await;
    assert_eq!(app.count("[data-testid=demo-banner]").await, 0, "real mode");
    app.go("/settings").await;
    app.click("[data-testid=use-demo]").await;
    app.click("[data-testid=use-demo-confirm]").await;
    app.unlock(PASS).await;
    app.find("[data-testid=demo-banner]").await;
    let text = user_config(app.profile());
    assert!(text.contains("mode = \"demo\"") && text.contains("sign_in_service"), "{text}");
    app.close().await;
}
