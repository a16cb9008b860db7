//! Choosing a sign-in service: the check before it is used, and changing it while the app
//! runs (connected accounts untouched, a sign-in under way finishing where it began).

use evergreen_core::Code;
use evergreen_core::connect::{FlowPurpose, check_sign_in_service};
use evergreen_sandbox::person::{Decision, sign_in};

use crate::support::Stack;

fn code(error: evergreen_core::Error) -> Code {
    error.code()
}

#[tokio::test]
async fn a_relay_says_who_it_is_and_what_it_asks_for() {
    let s = Stack::new().await;
    let address = s.relay_url().to_string();
    let (url, info) = check_sign_in_service(address.trim_end_matches('/')).await.unwrap();
    assert_eq!(url, s.relay_url(), "the address as used ends in a slash");
    assert_eq!(info.name, "Evergreen sign-in service");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(info.instagram_app_id, s.sandbox.world().app.client_id);
    assert_eq!(info.permissions, ["instagram_business_basic"]);
    use evergreen_core::account::Network;
    assert_eq!(info.networks(), [Network::Instagram, Network::Threads]);
    let threads_app = s.sandbox.world().threads_app.clone().expect("the stack's relay connects Threads");
    assert_eq!(info.threads_app_id.as_deref(), Some(threads_app.client_id.as_str()));
}

#[tokio::test]
async fn the_networks_a_relay_lists_are_read_safely() {
    use axum::routing::get;
    use evergreen_core::account::Network;
    let base = r#""service":"evergreen-relay","api":1,"name":"n","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]"#;
    for (extra, expected) in [
        // A relay from before Threads says nothing of networks: it connects Instagram.
        ("", vec![Network::Instagram]),
        (r#","networks":["instagram"]"#, vec![Network::Instagram]),
        (
            r#","networks":["threads","instagram"],"threads_app_id":"2""#,
            vec![Network::Instagram, Network::Threads],
        ),
        // A network this Evergreen does not know is left out, not a refusal.
        (r#","networks":["instagram","tiktok"]"#, vec![Network::Instagram]),
    ] {
        let body = format!("{{{base}{extra}}}");
        let (address, server) =
            serve(axum::Router::new().route("/v1/info", get(move || async move { body }))).await;
        let (_, info) = check_sign_in_service(&format!("http://{address}")).await.expect(extra);
        assert_eq!(info.networks(), expected, "{extra}");
        server.abort();
    }
}

#[tokio::test]
async fn a_bad_address_or_another_server_is_refused_clearly() {
    let s = Stack::new().await;
    for (address, expected) in [
        ("", Code::InvalidSettings),
        ("not a web address", Code::InvalidSettings),
        ("https://user:pw@relay.example.com", Code::InvalidSettings),
        ("https://relay.example.com/?next=1", Code::InvalidSettings),
        ("ftp://relay.example.com", Code::InvalidSettings),
        // Plain http is refused before anything is sent, unless it stays on this computer.
        ("http://relay.example.com", Code::RelayUntrusted),
        ("http://192.0.2.1:8788", Code::RelayUntrusted),
    ] {
        let error = check_sign_in_service(address).await.expect_err(address);
        assert_eq!(code(error), expected, "{address}");
    }
    // Something answers, but it is Instagram's stand-in, not an Evergreen relay.
    let error = check_sign_in_service(s.sandbox.url().as_str()).await.unwrap_err();
    assert_eq!(code(error), Code::NotASignInService);
    // Nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let error = check_sign_in_service(&format!("http://{closed}")).await.unwrap_err();
    assert_eq!(code(error), Code::RelayUnreachable);
}

#[tokio::test]
async fn an_answer_that_only_looks_like_a_relay_is_refused() {
    use axum::routing::get;
    for body in [
        r#"{"service":"evergreen-relay","api":2,"name":"n","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"other","api":1,"name":"n","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"n","version":"1","instagram_app_id":"1<script>","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"n","version":"1","instagram_app_id":"1","permissions":[]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"n","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"],"threads_app_id":"2<b>"}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"n","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"],"networks":"threads"}"#,
        // A name that reads as another service: a right-to-left override, a zero-width space.
        r#"{"service":"evergreen-relay","api":1,"name":"Harbour \u202emoc.evil","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"Harbour\u200b","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"Harbour\u2028Agency","version":"1","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        r#"{"service":"evergreen-relay","api":1,"name":"Harbour","version":"1\udb40\udc41","instagram_app_id":"1","permissions":["instagram_business_basic"]}"#,
        "<html>hello</html>",
    ] {
        let (address, server) =
            serve(axum::Router::new().route("/v1/info", get(move || async move { body }))).await;
        let error = check_sign_in_service(&format!("http://{address}")).await.expect_err(body);
        assert_eq!(code(error), Code::NotASignInService, "{body}");
        server.abort();
    }
}

#[tokio::test]
async fn a_relay_that_redirects_or_answers_without_end_is_refused() {
    use axum::routing::get;
    // Sent elsewhere (here, to plain http on another host): never followed.
    let redirect = axum::Router::new().route(
        "/v1/info",
        get(|| async { axum::response::Redirect::temporary("http://signin.example.com/v1/info") }),
    );
    // A body far beyond any real answer: refused without reading it whole.
    let endless = axum::Router::new().route("/v1/info", get(|| async { "x".repeat(8 * 1024 * 1024) }));
    for (what, app) in [("redirect", redirect), ("endless", endless)] {
        let (address, server) = serve(app).await;
        let error = check_sign_in_service(&format!("http://{address}")).await.expect_err(what);
        assert_eq!(code(error), Code::NotASignInService, "{what}");
        server.abort();
    }
}

async fn serve(app: axum::Router) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    (address, tokio::spawn(async move { axum::serve(listener, app).await.unwrap() }))
}

#[tokio::test]
async fn changing_the_service_lets_a_sign_in_under_way_finish_where_it_began() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    // Another service from now on (nothing listens there).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    s.core.set_relay(Some(format!("http://{closed}/").parse().unwrap())).unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let connection = s.core.finish_connect(&link).await.expect("redeemed at the relay it started at");
    assert_eq!(connection.account.username, "evergreen.shop");
    // New sign-ins go to the new one.
    let error = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::AddAccount)
        .await
        .unwrap_err();
    assert_eq!(code(error), Code::RelayUnreachable);
    // Without a service, connecting says what to do, and the account is still there.
    s.core.set_relay(None).unwrap();
    let error = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::AddAccount)
        .await
        .unwrap_err();
    assert_eq!(code(error), Code::NoSignInService);
    assert!(error_message_names_settings(&s).await);
    assert_eq!(s.core.accounts().unwrap().len(), 1);
    // And a plain-http service elsewhere is refused as before.
    let error = s.core.set_relay(Some("http://relay.example.com/".parse().unwrap())).unwrap_err();
    assert_eq!(code(error), Code::RelayUntrusted);
}

async fn error_message_names_settings(s: &Stack) -> bool {
    let error = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::AddAccount)
        .await
        .unwrap_err();
    error.to_string().contains("Settings → Sign-in service")
}
