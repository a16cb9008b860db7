//! Hostile answers: whatever comes back from "Instagram" (or a proxy, a captive portal, a
//! broken server), every call returns a value or a typed error. Nothing panics, no error
//! carries the token or the secret, and no body is read without bound. Answers come over
//! real loopback HTTP from a server that sends exactly the bytes a case asks for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use evergreen_instagram::{AccessToken, AppCredentials, Client, ClientSecret, Endpoints, Url};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "IGAAhostiletokenvalue0123456789";
const SECRET: &str = "hostile-client-secret-abcdef";

/// One canned HTTP answer.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// A server that answers every request with the current `Answer`, then closes.
struct Canned {
    answer: Arc<Mutex<Answer>>,
    url: Url,
}

impl Canned {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let answer = Arc::new(Mutex::new(Answer { status: 200, headers: vec![], body: vec![] }));
        let shared = answer.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let answer = shared.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", answer.status);
                    for (name, value) in &answer.headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str(&format!("content-length: {}\r\n\r\n", answer.body.len()));
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&answer.body).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { answer, url }
    }

    fn set(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }
}

/// Every call the product makes, against the current answer; each error checked for leaks.
async fn every_call(client: &Client) {
    let token = AccessToken::new(TOKEN.into());
    let app = AppCredentials {
        client_id: "990602627938098".into(),
        client_secret: ClientSecret::new(SECRET.into()),
        redirect_uri: "https://relay.example.test/v1/callback".into(),
    };
    let errors = [
        client.refresh(&token).await.err(),
        client.me(&token).await.err(),
        client.media(&token, Some("cursor"), 25).await.err(),
        client.exchange_code(&app, "code-value").await.err(),
        client.exchange_long_lived(&app.client_secret, &token).await.err(),
    ];
    for error in errors.into_iter().flatten() {
        let shown = format!("{error} {error:?} {:?}", error.class);
        assert!(!shown.contains(TOKEN) && !shown.contains(SECRET), "leaked: {shown}");
    }
}

fn valid_bodies() -> Vec<String> {
    vec![
        format!(r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":5183944}}"#),
        r#"{"user_id":"17841400000000001","username":"brand","account_type":"BUSINESS","media_count":3}"#.into(),
        r#"{"data":[{"id":"1","media_type":"IMAGE","timestamp":"2026-01-01T00:00:00+0000"}],"paging":{"cursors":{"after":"x"},"next":"https://graph.instagram.com/v23.0/me/media?access_token=SECRET&after=x"}}"#.into(),
        format!(r#"{{"data":[{{"access_token":"{TOKEN}","user_id":"1","permissions":"instagram_business_basic"}}]}}"#),
        format!(r#"{{"error":{{"message":"Error validating access token {TOKEN}","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"A"}}}}"#),
        r#"{"error_type":"OAuthException","code":400,"error_message":"Invalid authorization code"}"#.into(),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "\\PC{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from(TOKEN)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("access_token".to_string()),
            Just("expires_in".to_string()),
            Just("error".to_string()),
            Just("code".to_string()),
            Just("error_subcode".to_string()),
            Just("message".to_string()),
            Just("data".to_string()),
            Just("permissions".to_string()),
            Just("user_id".to_string()),
            Just("paging".to_string()),
            "[a-z_]{1,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let bodies = valid_bodies();
    let n = bodies.len();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        // A valid answer with one byte changed, or cut short.
        (0..n, any::<prop::sample::Index>(), any::<u8>()).prop_map(move |(i, at, byte)| {
            let mut b = bodies[i].clone().into_bytes();
            let at = at.index(b.len());
            b[at] = byte;
            b
        }),
        (0..valid_bodies().len(), any::<prop::sample::Index>()).prop_map(|(i, at)| {
            let b = valid_bodies()[i].clone().into_bytes();
            b[..at.index(b.len())].to_vec()
        }),
        // Nesting far beyond any parser's recursion limit.
        (1usize..20_000).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        Just(b"<html><body>502 Bad Gateway</body></html>".to_vec()),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,80}",
        Just(r#"{"call_count":4294967296000,"total_time":-1}"#.to_string()),
        Just(r#"{"1":[{"estimated_time_to_regain_access":18446744073709551615}]}"#.to_string()),
        Just("99999999999999999999".to_string()),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        prop_oneof![
            Just(200u16),
            Just(400),
            Just(401),
            Just(403),
            Just(429),
            Just(500),
            Just(503),
            100u16..600
        ],
        prop::collection::vec(
            (
                prop_oneof![Just("x-app-usage"), Just("x-business-use-case-usage"), Just("retry-after")],
                header_value(),
            ),
            0..3,
        ),
        body(),
    )
        .prop_map(|(status, headers, body)| Answer { status, headers, body })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_is_a_value_or_a_clean_error(answer in answer()) {
        let rt = runtime();
        rt.block_on(async {
            let server = Canned::start().await;
            server.set(answer);
            let client = Client::with_timeout(Endpoints::single_host(&server.url), Duration::from_secs(5));
            every_call(&client).await;
        });
    }
}

#[test]
fn an_endless_answer_is_cut_off_at_the_cap() {
    runtime().block_on(async {
        let server = Canned::start().await;
        // 8 MiB of an otherwise valid-looking JSON string: far above the 1 MiB cap.
        let mut body = br#"{"access_token":""#.to_vec();
        body.resize(8 * 1024 * 1024, b'a');
        server.set(Answer { status: 200, headers: vec![], body });
        let client = Client::with_timeout(Endpoints::single_host(&server.url), Duration::from_secs(10));
        let error = client.refresh(&AccessToken::new(TOKEN.into())).await.unwrap_err();
        assert!(error.to_string().contains("far larger than expected"), "{error}");
    });
}
