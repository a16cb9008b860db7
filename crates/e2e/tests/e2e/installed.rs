//! The installed package (run by `scripts/package-test.sh`, as root, after installing the
//! `.deb`; ignored otherwise): the system's `/etc/evergreen/config.toml` puts the app in real
//! mode with a sign-in service, a sign-in's link comes back through `xdg-open` and the
//! package's desktop entry, and a user's `config.toml` wins over the system's.

use evergreen_e2e::sign_in_service::SignInService;
use evergreen_e2e::{Profile, Session};
use evergreen_sandbox::person::Decision;

use crate::PASS;

const SYSTEM_CONFIG: &str = "/etc/evergreen/config.toml";

/// A profile reading the machine's own system configuration (its default place).
fn on_this_machine(service: &SignInService) -> Profile {
    Profile::new()
        .with_env("EVERGREEN_SYSTEM_CONFIG", "")
        .with_env("EVERGREEN_INSTAGRAM_URL", service.sandbox().url().as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the installed package and /etc/evergreen/config.toml: scripts/package-test.sh"]
async fn installed_the_system_config_connects_real_accounts_through_xdg_open() {
    let service = SignInService::start("Agency sign-in for this computer").await;
    // Built with `scripts/package.sh --relay-url …`: with nothing configured, the first run
    // offers the publisher's service.
    if let Ok(default) = std::env::var("EVERGREEN_E2E_BUILD_DEFAULT") {
        let host = evergreen_instagram::Url::parse(&default).expect("a URL").host_str().unwrap().to_string();
        let app = Session::start_with(on_this_machine(&service), &[]).await;
        app.wait_for_text("[data-testid=choice-real]", &host).await;
        app.close().await;
    }
    let shipped =
        std::fs::read_to_string(SYSTEM_CONFIG).expect("the package ships /etc/evergreen/config.toml");
    assert!(shipped.contains("# sign_in_service = "), "commented, for IT to fill in: {shipped}");
    let _restore = Restore(shipped.clone());
    std::fs::write(SYSTEM_CONFIG, format!("{shipped}\nsign_in_service = \"{}\"\n", service.url())).unwrap();

    let app = Session::start_with(on_this_machine(&service), &[]).await;
    app.wait_for_text("[data-testid=choice-real]", "Agency sign-in for this computer").await;
    app.click("[data-testid=choose-real]").await;
    app.create_vault(PASS).await;
    app.begin_connect("[data-testid=connect-instagram]").await;
    let link = app.browse(1, &Decision::allow("evergreen.shop")).await;
    assert!(app.open_with_xdg_open(&link).success(), "xdg-open handed the link to the desktop entry");
    app.wait_for_text("[data-testid=link-notice]", "@evergreen.shop is").await;
    assert!(app.profile().root().join("vault.json").exists(), "in the real profile");
    app.go("/settings").await;
    app.wait_for_text("[data-testid=sign-in-service-source]", SYSTEM_CONFIG).await;
    app.close().await;

    // A person's own file wins over the computer's.
    let own = SignInService::start("My own sign-in service").await;
    let profile = on_this_machine(&service);
    std::fs::create_dir_all(profile.user_config().parent().unwrap()).unwrap();
    std::fs::write(profile.user_config(), format!("sign_in_service = \"{}\"\n", own.url())).unwrap();
    let app = Session::start_with(profile, &[]).await;
    app.wait_for_text("[data-testid=choice-real]", "My own sign-in service").await;
    app.close().await;
}

/// Puts the shipped system configuration back, also when the test fails.
struct Restore(String);

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = std::fs::write(SYSTEM_CONFIG, &self.0);
    }
}
