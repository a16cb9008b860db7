use chrono::{Duration, Utc};
use evergreen_core::Profile;
use evergreen_core::account::AccountType;
use evergreen_core::vault::TokenRecord;
use evergreen_instagram::AccessToken;
use serde_json::{Value, json};

use crate::support::{PASS, TestApp};

#[test]
fn app_info_reports_version_profile_and_no_vault() {
    let t = TestApp::new();
    let info = t.invoke("app_info", json!({})).expect("app_info answers");
    assert_eq!(
        info,
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "dataDir": t.profile.path().display().to_string(),
            "vault": "missing",
            "demo": true,
            "online": null,
            "demoInstagramUrl": null,
            "mode": "demo",
            "firstRun": false,
            "signIn": null,
            "configProblems": [],
        })
    );
}

#[test]
fn links_from_the_os_that_answer_no_sign_in_are_logged_not_shown() {
    // Any local program can send links with a public `state`: nine of them put no banner
    // over the window (they used to put nine).
    let t = TestApp::new();
    assert_eq!(t.invoke("link_notices", json!({})), Ok(json!([])), "no notices at start");
    for link in [
        "app.evergreen:/oauth/instagram?handoff=x&state=y",
        "app.evergreen:/oauth/instagram?handoff=%zz&state=y",
        "app.evergreen:/oauth/instagram?error=access_denied&state=nobody",
        "https://example.com/not-ours",
        "app.evergreen:/elsewhere",
        "app.evergreen:/oauth/instagram?handoff=a&state=b&state=c",
        "app.evergreen:/oauth/instagram",
        "app.evergreen:",
        "",
    ] {
        let result = tauri::async_runtime::block_on(evergreen_app::deep_link::handle_link(
            t.app.handle(),
            link,
            evergreen_app::deep_link::Origin::Os,
        ));
        assert!(result.is_ok(), "{link}");
    }
    assert_eq!(t.invoke("link_notices", json!({})), Ok(json!([])));
}

#[test]
fn a_pasted_link_that_is_not_ours_is_refused_to_the_dialog_with_its_code() {
    let t = TestApp::new();
    assert_eq!(
        t.invoke("submit_link", json!({ "link": "app.evergreen:/oauth/instagram?handoff=x&state=y" })),
        Err(json!({
            "code": "link_not_ours",
            "message": "This link is not one Evergreen started. If you were connecting an account, start again from Evergreen.",
        }))
    );
    assert_eq!(t.invoke("link_notices", json!({})), Ok(json!([])), "and no banner");
}

#[test]
fn a_malformed_pasted_link_says_why() {
    let t = TestApp::new();
    assert_eq!(
        t.invoke("submit_link", json!({ "link": "app.evergreen:/oauth/instagram?handoff=%zz&state=y" })),
        Err(json!({
            "code": "invalid_link",
            "message": "This link can't be used: it contains badly encoded text. Start the connection again from Evergreen.",
        }))
    );
}

#[test]
fn the_vault_lifecycle_over_ipc() {
    let t = TestApp::new();
    assert_eq!(
        t.invoke("unlock_vault", json!({ "passphrase": PASS })),
        Err(
            json!({ "code": "vault_missing", "message": "There is no vault yet. Create one to start connecting accounts." })
        )
    );
    assert_eq!(
        t.invoke("create_vault", json!({ "passphrase": "short" })),
        Err(json!({
            "code": "weak_passphrase",
            "message": "Choose a passphrase of at least 12 characters. A few random words are strong and easy to remember."
        }))
    );
    assert_eq!(t.invoke("create_vault", json!({ "passphrase": PASS })), Ok(Value::Null));
    assert_eq!(t.invoke("app_info", json!({})).unwrap()["vault"], "unlocked");
    assert_eq!(t.invoke("lock_vault", json!({})), Ok(Value::Null));
    assert_eq!(t.invoke("app_info", json!({})).unwrap()["vault"], "locked");
    assert_eq!(
        t.invoke("unlock_vault", json!({ "passphrase": "correct horse battery stapler" })),
        Err(
            json!({ "code": "wrong_passphrase", "message": "That passphrase doesn't open this vault. Check it and try again." })
        )
    );
    assert_eq!(t.invoke("unlock_vault", json!({ "passphrase": PASS })), Ok(Value::Null));
    assert_eq!(t.invoke("reset_vault", json!({})), Ok(Value::Null));
    assert_eq!(t.invoke("app_info", json!({})).unwrap()["vault"], "missing");
}

#[test]
fn automatic_unlock_over_ipc_needs_the_passphrase_and_says_what_the_keyring_did() {
    // No login keyring in the mock app (`keyring::none`): what a desktop without one answers.
    let t = TestApp::new();
    assert_eq!(t.invoke("create_vault", json!({ "passphrase": PASS })), Ok(Value::Null));
    assert_eq!(t.invoke("auto_unlock", json!({})), Ok(json!({ "enabled": false, "fallback": null })));
    assert_eq!(
        t.invoke("set_auto_unlock", json!({ "on": true })),
        Err(
            json!({ "code": "wrong_passphrase", "message": "That passphrase doesn't open this vault. Check it and try again." })
        )
    );
    assert_eq!(
        t.invoke("set_auto_unlock", json!({ "on": true, "passphrase": "correct horse battery stapler" })),
        Err(
            json!({ "code": "wrong_passphrase", "message": "That passphrase doesn't open this vault. Check it and try again." })
        )
    );
    assert_eq!(
        t.invoke("set_auto_unlock", json!({ "on": true, "passphrase": PASS })),
        Err(json!({
            "code": "login_keyring",
            "message": "Evergreen couldn't find a login keyring on this computer, so automatic unlock couldn't be turned on. Nothing was changed; check your keyring and try again."
        }))
    );
    assert_eq!(t.invoke("auto_unlock", json!({})), Ok(json!({ "enabled": false, "fallback": null })));
    assert_eq!(t.invoke("set_auto_unlock", json!({ "on": false })), Ok(Value::Null));
}

/// A connected business account `username` holding `token`, fresh for 60 days.
fn connect(t: &TestApp, network_user_id: &str, username: &str, token: &str) {
    let now = Utc::now();
    let profile = Profile {
        network: evergreen_core::account::Network::Instagram,
        network_user_id: network_user_id.into(),
        app_scoped_id: None,
        username: username.into(),
        account_type: AccountType::Business,
        profile_picture_url: None,
    };
    let record = TokenRecord {
        network: evergreen_core::account::Network::Instagram,
        token: AccessToken::new(token.into()),
        issued_at: now,
        expires_at: now + Duration::days(60),
    };
    t.core().save_connection(profile, record).unwrap();
}

#[test]
fn a_stored_token_appears_in_no_ipc_answer_and_no_log() {
    let logs = crate::support::captured_logs();
    let t = TestApp::new();
    t.invoke("create_vault", json!({ "passphrase": PASS })).unwrap();
    let token = "IGAAtokenThatMustNeverCrossIpc42";
    connect(&t, "17841400000000001", "brand", token);

    let mut answers = Vec::new();
    for (cmd, args) in [
        ("app_info", json!({})),
        ("list_accounts", json!({})),
        ("link_notices", json!({})),
        ("lock_vault", json!({})),
        ("list_accounts", json!({})),
        ("unlock_vault", json!({ "passphrase": "not the right passphrase" })),
        ("unlock_vault", json!({ "passphrase": PASS })),
        ("list_accounts", json!({})),
    ] {
        answers.push(format!("{:?}", t.invoke(cmd, args)));
    }
    let accounts = t.invoke("list_accounts", json!({})).unwrap();
    assert_eq!(accounts[0]["username"], "brand");
    assert_eq!(accounts[0]["status"], "connected");
    for answer in answers {
        assert!(!answer.contains(token), "token in an IPC answer: {answer}");
    }
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(
        logs.contains("wrong_passphrase") || logs.contains("WrongPassphrase"),
        "logs were captured: {logs}"
    );
    assert!(!logs.contains(token), "token in the logs");
    assert!(!logs.contains(PASS), "passphrase in the logs");
    assert!(!logs.contains("not the right passphrase"), "a wrong passphrase in the logs");
}

#[test]
fn an_account_is_labelled_over_ipc_and_a_bad_label_changes_nothing() {
    let t = TestApp::new();
    t.invoke("create_vault", json!({ "passphrase": PASS })).unwrap();
    connect(&t, "17841400000000002", "harbour.cafe", "IGAAlabelled");
    let id = t.invoke("list_accounts", json!({})).unwrap()[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(t.invoke("list_accounts", json!({})).unwrap()[0]["label"], Value::Null);

    assert_eq!(
        t.invoke("set_account_label", json!({ "id": id, "label": "  Harbour   Cafe " })),
        Ok(Value::Null)
    );
    assert_eq!(t.invoke("list_accounts", json!({})).unwrap()[0]["label"], "Harbour Cafe");
    // Locked, it is still shown (metadata, not a secret).
    t.invoke("lock_vault", json!({})).unwrap();
    assert_eq!(t.invoke("list_accounts", json!({})).unwrap()[0]["label"], "Harbour Cafe");

    assert_eq!(
        t.invoke("set_account_label", json!({ "id": id, "label": "x".repeat(41) })),
        Err(json!({ "code": "invalid_label", "message": "A label can be at most 40 characters." }))
    );
    assert_eq!(
        t.invoke("set_account_label", json!({ "id": id, "label": "two\nlines" })),
        Err(
            json!({ "code": "invalid_label", "message": "A label is one line of plain text: no line breaks, tabs or direction marks." })
        )
    );
    assert_eq!(
        t.invoke("set_account_label", json!({ "id": "not-an-id", "label": "Cafe" })),
        Err(
            json!({ "code": "unknown_account", "message": "That account is no longer connected. The list has been refreshed." })
        )
    );
    assert_eq!(t.invoke("list_accounts", json!({})).unwrap()[0]["label"], "Harbour Cafe", "unchanged");
    assert_eq!(t.invoke("set_account_label", json!({ "id": id, "label": "" })), Ok(Value::Null));
    assert_eq!(t.invoke("list_accounts", json!({})).unwrap()[0]["label"], Value::Null);
}
