//! Real accounts and the pretend Instagram: the choice, moving between them, and the
//! sign-in service, through the real IPC path.

use evergreen_app::config::{SignInService, Source};
use serde_json::json;

use evergreen_app::state::EvergreenExt;

use crate::support::{PASS, TestApp};

/// An app in real mode whose sign-in service was set for the computer (nothing listens there:
/// these tests never connect).
fn real_app() -> TestApp {
    TestApp::with_config(|config| {
        config.sign_in = Some(SignInService {
            url: "http://127.0.0.1:9/".parse().unwrap(),
            source: Source::SystemFile(config.files.system.clone()),
        });
    })
}

fn user_file(t: &TestApp) -> String {
    std::fs::read_to_string(t.profile.path().join("config/evergreen/config.toml")).unwrap_or_default()
}

#[test]
fn real_mode_without_a_sign_in_service_is_refused_and_nothing_changes() {
    let t = TestApp::new();
    assert_eq!(
        t.invoke("choose_mode", json!({ "mode": "real" })),
        Err(json!({
            "code": "no_sign_in_service",
            "message": "No sign-in service is set up, so Evergreen can't connect accounts. Add one in Settings → Sign-in service (ask whoever gave you Evergreen for its address).",
        }))
    );
    assert_eq!(t.invoke("app_info", json!({})).unwrap()["mode"], "demo");
    assert_eq!(user_file(&t), "", "nothing saved");
}

#[test]
fn moving_between_real_and_demo_keeps_each_profiles_data_apart() {
    let t = real_app();
    let info = t.invoke("app_info", json!({})).unwrap();
    assert_eq!((info["mode"].as_str(), info["demo"].as_bool()), (Some("real"), Some(false)));
    assert_eq!(info["signIn"]["source"], "system_file");
    assert_eq!(info["signIn"]["host"], "127.0.0.1");
    t.invoke("create_vault", json!({ "passphrase": PASS })).unwrap();
    let real = t.core();
    real.save_connection(crate::support::profile("real.brand"), crate::support::record()).unwrap();
    assert_eq!(t.invoke("list_accounts", json!({})).unwrap().as_array().map(Vec::len), Some(1));

    let info = t.invoke("choose_mode", json!({ "mode": "demo" })).expect("moved to demo");
    assert_eq!((info["mode"].as_str(), info["vault"].as_str()), (Some("demo"), Some("missing")));
    let demo_dir = t.profile.path().join("demo");
    assert_eq!(info["dataDir"], demo_dir.display().to_string(), "the demo has its own directory");
    assert!(info["demoInstagramUrl"].as_str().is_some_and(|u| u.starts_with("http://127.0.0.1:")));
    // The real profile stays open behind the demo: its accounts keep renewing.
    let behind = t.app.evergreen().behind().expect("the real profile is kept open");
    assert_eq!(behind.mode, evergreen_app::config::Mode::Real);
    assert_eq!(behind.core.data_dir().root(), t.profile.path());
    assert_eq!(real.vault_state(), evergreen_core::vault::VaultState::Unlocked, "still renewing");
    assert!(user_file(&t).contains("mode = \"demo\""), "the choice is kept: {}", user_file(&t));
    assert_eq!(
        t.invoke("list_accounts", json!({})),
        Ok(json!([])),
        "nothing of the real profile shows in the demo"
    );
    // Lock means no key stays in memory, whichever profile the page shows.
    t.invoke("lock_vault", json!({})).unwrap();
    assert_eq!(real.vault_state(), evergreen_core::vault::VaultState::Locked, "the real one locked too");

    let info = t.invoke("choose_mode", json!({ "mode": "real" })).expect("back to real");
    assert_eq!((info["mode"].as_str(), info["vault"].as_str()), (Some("real"), Some("locked")));
    assert_eq!(info["dataDir"], t.profile.path().display().to_string());
    assert!(user_file(&t).contains("mode = \"real\""));
    assert!(t.app.evergreen().behind().is_none(), "shown again, not reopened");
    assert_eq!(t.invoke("unlock_vault", json!({ "passphrase": PASS })), Ok(serde_json::Value::Null));
    let accounts = t.invoke("list_accounts", json!({})).unwrap();
    assert_eq!(accounts[0]["username"], "real.brand", "{accounts}");
    assert!(!demo_dir.join("vault.json").exists(), "and the demo created none");
}

#[test]
fn the_first_run_choice_of_the_profile_already_open_only_records_it() {
    let t = real_app();
    let info = t.invoke("choose_mode", json!({ "mode": "real" })).unwrap();
    assert_eq!((info["mode"].as_str(), info["firstRun"].as_bool()), (Some("real"), Some(false)));
    assert_eq!(user_file(&t), "mode = \"real\"\n");
}

#[test]
fn a_damaged_user_file_refuses_the_move_and_leaves_everything_as_it_was() {
    let t = real_app();
    let file = t.profile.path().join("config/evergreen/config.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "[broken\n").unwrap();
    let error = t.invoke("choose_mode", json!({ "mode": "demo" })).unwrap_err();
    assert_eq!(error["code"], "storage");
    assert!(error["message"].as_str().unwrap().contains("has a mistake"), "{error}");
    assert_eq!(t.invoke("app_info", json!({})).unwrap()["mode"], "real", "still the real profile");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "[broken\n");
    // The demo profile that was opened for the move was let go: moving works once fixed.
    std::fs::write(&file, "").unwrap();
    assert_eq!(t.invoke("choose_mode", json!({ "mode": "demo" })).unwrap()["mode"], "demo");
}

#[test]
fn a_sign_in_service_is_checked_then_saved_and_used() {
    let t = real_app();
    let demo_dir = tempfile::tempdir().unwrap();
    // A real relay (in front of the pretend Instagram) to point at.
    let relay =
        tauri::async_runtime::block_on(evergreen_app::demo::start(&demo_dir.path().join("world.json")))
            .unwrap();
    let address = relay.relay.to_string();
    let checked = t.invoke("check_sign_in_service", json!({ "url": address })).expect("a relay");
    assert_eq!(checked["name"], "Evergreen sign-in service");
    assert_eq!(checked["permissions"], json!(["instagram_business_basic"]));
    assert_eq!(user_file(&t), "", "checking saves nothing");

    let saved = t.invoke("set_sign_in_service", json!({ "url": address })).expect("saved");
    assert_eq!(saved, checked);
    assert_eq!(user_file(&t), format!("sign_in_service = \"{address}\"\n"));
    let info = t.invoke("app_info", json!({})).unwrap();
    assert_eq!(info["signIn"]["url"], address);
    assert_eq!(info["signIn"]["source"], "user_file");
    assert_eq!(
        info["signIn"]["path"],
        t.profile.path().join("config/evergreen/config.toml").display().to_string()
    );

    for (url, code) in [
        (relay.instagram.www.to_string(), "not_a_sign_in_service"),
        ("http://signin.example.com".to_string(), "relay_untrusted"),
        ("not an address".to_string(), "invalid_settings"),
    ] {
        let error = t.invoke("set_sign_in_service", json!({ "url": url })).unwrap_err();
        assert_eq!(error["code"], code, "{url}");
        assert_eq!(user_file(&t), format!("sign_in_service = \"{address}\"\n"), "a refused one is not saved");
    }
}

#[test]
fn started_in_the_demo_the_real_accounts_are_opened_behind_it() {
    let t = TestApp::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let real =
        evergreen_core::vault::StrongholdVault::new(&evergreen_core::paths::DataDir::new(elsewhere.path()));
    evergreen_core::vault::TokenVault::create(&real, &evergreen_core::vault::Passphrase::new(PASS.into()))
        .unwrap();
    drop(real);
    let config = evergreen_app::config::Config {
        data_dir: Some(elsewhere.path().into()),
        mode: Some(evergreen_app::config::Mode::Demo),
        ..t.app.evergreen().config.clone()
    };
    // Before the app exists, as at start.
    let app = evergreen_app::app_slot::AppSlot::<tauri::test::MockRuntime>::empty();
    let start_in_the_demo = |config: &evergreen_app::config::Config| {
        tauri::async_runtime::block_on(evergreen_app::profile::open_at_start(
            &app,
            config,
            "app.evergreen",
            None,
        ))
        .unwrap()
    };
    let at_start = start_in_the_demo(&config);
    assert_eq!(at_start.start.mode, evergreen_app::config::Mode::Demo);
    assert_eq!(at_start.shown.core.data_dir().root(), elsewhere.path().join("demo"));
    let behind = at_start.behind.expect("the real profile, to watch its accounts");
    assert_eq!(behind.core.data_dir().root(), elsewhere.path());
    assert_eq!(behind.core.vault_state(), evergreen_core::vault::VaultState::Locked);

    // Without real accounts, nothing is opened behind.
    let empty = tempfile::tempdir().unwrap();
    let config = evergreen_app::config::Config { data_dir: Some(empty.path().into()), ..config };
    assert!(start_in_the_demo(&config).behind.is_none());
}

#[test]
fn the_profiles_open_before_the_app_exists_where_tauri_would_put_them() {
    let t = TestApp::new();
    let config = evergreen_app::config::Config { data_dir: None, ..t.app.evergreen().config.clone() };
    let ours = evergreen_app::profile::app_data_root(&t.app, &config).unwrap();
    assert_eq!(ours, tauri::Manager::path(&t.app).app_data_dir().unwrap());
    // The configured directory wins.
    let chosen = tempfile::tempdir().unwrap();
    let config = evergreen_app::config::Config { data_dir: Some(chosen.path().into()), ..config };
    assert_eq!(evergreen_app::profile::data_root(&config, "app.evergreen").unwrap(), chosen.path());
}

#[test]
fn a_sign_in_begun_with_the_real_accounts_finishes_there_after_moving_to_the_demo() {
    let services = tempfile::tempdir().unwrap();
    // A relay in front of a pretend Instagram, standing in for the real ones.
    let real =
        tauri::async_runtime::block_on(evergreen_app::demo::start(&services.path().join("world.json")))
            .unwrap();
    let t = TestApp::with_services(
        |config| {
            config.sign_in = Some(SignInService {
                url: real.relay.clone(),
                source: Source::SystemFile(config.files.system.clone()),
            });
        },
        real.instagram.clone(),
        real.relay.clone(),
    );
    t.invoke("create_vault", json!({ "passphrase": PASS })).unwrap();
    let flow = tauri::async_runtime::block_on(t.core().start_connect(
        evergreen_core::account::Network::Instagram,
        evergreen_core::connect::FlowPurpose::Connect,
    ))
    .unwrap();
    t.invoke("choose_mode", json!({ "mode": "demo" })).expect("moved to demo");
    let link = tauri::async_runtime::block_on(evergreen_sandbox::person::sign_in(
        &flow.authorize_url,
        &evergreen_sandbox::person::Decision::allow("studio.ama"),
    ))
    .unwrap();
    tauri::async_runtime::block_on(evergreen_app::deep_link::handle_link(
        t.app.handle(),
        &link,
        evergreen_app::deep_link::Origin::Os,
    ))
    .unwrap();
    let notices = t.invoke("link_notices", json!({})).unwrap();
    assert_eq!(notices[0]["kind"], "connected", "{notices}");
    let message = notices[0]["message"].as_str().unwrap();
    assert!(
        message.contains("@studio.ama is connected") && message.contains("with your real accounts"),
        "{message}"
    );
    assert_eq!(t.invoke("list_accounts", json!({})), Ok(json!([])), "not in the demo");
    let behind = t.app.evergreen().behind().unwrap();
    assert_eq!(behind.core.accounts().unwrap()[0].account.username, "studio.ama");
}
