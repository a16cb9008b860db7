use serde_json::json;

use crate::support::TestApp;

#[test]
fn app_info_reports_version_profile_and_no_vault() {
    let t = TestApp::new();
    let info = t.invoke("app_info", json!({})).expect("app_info answers");
    assert_eq!(
        info,
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "dataDir": t.profile.path().display().to_string(),
            "vaultExists": false,
            "demo": true,
        })
    );
}

#[test]
fn a_forged_link_becomes_a_refused_notice_with_its_code() {
    let t = TestApp::new();
    assert_eq!(t.invoke("link_notices", json!({})), Ok(json!([])), "no notices at start");

    evergreen_app::deep_link::deliver(t.app.handle(), "app.evergreen:/oauth/instagram?handoff=x&state=y");
    let notices = t.invoke("link_notices", json!({})).expect("notices");
    assert_eq!(
        notices,
        json!([{
            "id": 1,
            "kind": "refused",
            "code": "link_not_ours",
            "message": "This link is not one Evergreen started. If you were connecting an account, start again from Evergreen.",
        }])
    );

    assert_eq!(t.invoke("dismiss_link_notice", json!({ "id": 1 })), Ok(json!(null)));
    assert_eq!(t.invoke("link_notices", json!({})), Ok(json!([])), "dismissed");
}

#[test]
fn a_malformed_link_says_why() {
    let t = TestApp::new();
    evergreen_app::deep_link::deliver(t.app.handle(), "app.evergreen:/oauth/instagram?handoff=%zz&state=y");
    let notices = t.invoke("link_notices", json!({})).expect("notices");
    assert_eq!(notices[0]["code"], "invalid_link");
    assert_eq!(
        notices[0]["message"],
        "This link can't be used: it contains badly encoded text. Start the connection again from Evergreen."
    );
}
