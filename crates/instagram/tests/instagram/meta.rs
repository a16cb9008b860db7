//! The contract from Meta's own pages: every documented example in `tests/fixtures/meta/` (each
//! with its source page, the page's "updated" date and the exact excerpt it came from) is served
//! over loopback HTTP and read by the client as a real answer would be; and the sandbox, asked
//! the same thing, answers in the same shape. What Meta does not document is written down in
//! `tests/fixtures/meta/ASSUMPTIONS.md`, and the product is tested both ways there.

use std::path::PathBuf;
use std::time::Duration;

use evergreen_instagram::{
    AccessToken, AppCredentials, Client, ClientSecret, Endpoints, ErrorClass, Network, Transport,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Fixture, REDIRECT};

/// One documented example.
pub(crate) struct Example {
    name: String,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Value,
}

pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meta")
}

pub(crate) fn example(name: &str) -> Example {
    let path = fixtures_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: Value = serde_json::from_str(&text).unwrap();
    for key in ["source", "page_title", "updated", "excerpt"] {
        assert!(file[key].is_string(), "{name}: every fixture names its source ({key})");
    }
    assert!(file["source"].as_str().unwrap().contains("facebook.com"), "{name}: from Meta's pages");
    let headers = file["headers"]
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    Example {
        name: name.into(),
        status: file["status"].as_u64().map(|s| s as u16),
        headers,
        body: file["body"].clone(),
    }
}

/// Serve `example` (with `status`, or its own, or 200) to the next request, once.
pub(crate) async fn serve(example: &Example, status: u16) -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let body = serde_json::to_vec(&example.body).unwrap();
    let status = example.status.unwrap_or(status);
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in &example.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 8192];
        let _ = socket.read(&mut request).await;
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(&body).await;
    });
    url
}

fn client_at(url: &url::Url) -> Client {
    Client::with_timeout(Endpoints::single_host(url), Duration::from_secs(5))
}

fn app() -> AppCredentials {
    AppCredentials {
        client_id: "990602627938098".into(),
        client_secret: ClientSecret::new("s3cret".into()),
        redirect_uri: REDIRECT.into(),
    }
}

pub(crate) fn token() -> AccessToken {
    AccessToken::new("IGAAfixtureToken0123456789".into())
}

#[tokio::test]
async fn every_fixture_names_its_source_and_parses() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            example(path.file_stem().unwrap().to_str().unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 20, "{seen} fixtures");
    assert!(fixtures_dir().join("ASSUMPTIONS.md").is_file(), "what Meta leaves open is written down");
}

#[tokio::test]
async fn the_code_exchange_is_read_in_both_documented_shapes() {
    // The Business Login guide: wrapped, a string id, permissions as a comma string.
    let wrapped = example("oauth_access_token.success");
    let short = client_at(&serve(&wrapped, 200).await).exchange_code(&app(), "AQB").await.unwrap();
    assert_eq!(short.user_id, "1020...");
    assert_eq!(short.permissions.as_ref().map(Vec::len), Some(4), "{}", wrapped.name);
    // The reference: flat, a number beyond 2^53 kept exact, no permissions at all.
    let flat = example("oauth_access_token.success.reference_flat");
    let short = client_at(&serve(&flat, 200).await).exchange_code(&app(), "AQB").await.unwrap();
    assert_eq!(short.user_id, "17841405793187218");
    assert_eq!(short.permissions, None, "unknown, not 'none granted'");
}

#[tokio::test]
async fn the_code_exchanges_documented_refusal_is_a_refusal_never_a_retry() {
    let refusal = example("oauth_access_token.error");
    let error = client_at(&serve(&refusal, 400).await).exchange_code(&app(), "AQB").await.unwrap_err();
    assert_eq!(error.class, ErrorClass::ClientBug);
    assert_eq!(error.message, "Matching code was not found or was already used");
}

#[tokio::test]
async fn long_lived_tokens_and_renewals_use_their_documented_lifetime() {
    for (name, expires) in [("access_token.success", 5_184_000), ("refresh_access_token.success", 5_183_944)]
    {
        let answer = example(name);
        let client = client_at(&serve(&answer, 200).await);
        let long = if name.starts_with("refresh") {
            client.refresh(&token()).await.unwrap()
        } else {
            client.exchange_long_lived(&ClientSecret::new("s3cret".into()), &token()).await.unwrap()
        };
        assert_eq!(long.expires_in, Duration::from_secs(expires), "{name}");
    }
}

#[tokio::test]
async fn me_is_read_wrapped_as_the_guide_shows_it() {
    let me = example("me.success");
    let read = client_at(&serve(&me, 200).await).me(&token()).await.unwrap();
    assert_eq!((read.user_id.0.as_str(), read.username.as_str()), ("<IG_ID>", "<IG_USERNAME>"));
}

#[tokio::test]
async fn media_pages_follow_next_not_the_cursor() {
    // Meta's only media example has cursors and no `next`: the last page.
    let page = example("me_media.page");
    let read = client_at(&serve(&page, 200).await).media(&token(), None, 25).await.unwrap();
    assert_eq!(read.items.len(), 6);
    assert_eq!(read.after, None);
    // The Graph API's paging example has `next`: its `after` cursor is the next page's.
    let mut generic = example("paging.cursor");
    generic.body["data"] = Value::Array(vec![]);
    let read = client_at(&serve(&generic, 200).await).media(&token(), None, 25).await.unwrap();
    assert_eq!(read.after.as_deref(), Some("MTAxNTExOTQ1MjAwNzI5NDE="));
}

#[tokio::test]
async fn documented_errors_are_classified_as_the_reference_says() {
    type Expected = fn(&ErrorClass) -> bool;
    let cases: [(&str, Expected); 5] = [
        ("error.190_460", |c| *c == ErrorClass::TokenDead { subcode: Some(460) }),
        ("error.rate_limit_80001", |c| matches!(c, ErrorClass::RateLimited { .. })),
        ("error.rate_limit_32", |c| matches!(c, ErrorClass::RateLimited { .. })),
        ("error.100_cursor_limit", |c| *c == ErrorClass::ClientBug),
        // An error Evergreen does not know never ends an account.
        ("error.instagram_36000_2207004", |c| *c == ErrorClass::Transient),
    ];
    for (name, expected) in cases {
        let answer = example(name);
        let error = client_at(&serve(&answer, 400).await).me(&token()).await.unwrap_err();
        assert!(expected(&error.class), "{name}: {:?}", error.class);
        assert_eq!(error.transport, Transport::Answered, "{name}");
        assert!(error.fbtrace_id.is_some() || name == "error.100_cursor_limit", "{name}: fbtrace_id kept");
    }
}

#[tokio::test]
async fn the_documented_usage_headers_set_the_wait() {
    let mut limited = example("error.rate_limit_80001");
    limited.headers = example("headers.x_business_use_case_usage").headers;
    let error = client_at(&serve(&limited, 400).await).me(&token()).await.unwrap_err();
    assert_eq!(
        error.class,
        ErrorClass::RateLimited { retry_after: Some(Duration::from_secs(19 * 60)) },
        "the largest estimated_time_to_regain_access, in minutes"
    );
}

#[test]
fn every_documented_code_is_in_the_classification_table() {
    use evergreen_instagram::{Usage, classify};
    let class = |code, subcode| classify(Network::Instagram, 400, Some(code), subcode, "", &Usage::default());
    for subcode in [458, 460, 463, 464, 467] {
        assert_eq!(class(190, Some(subcode)), ErrorClass::TokenDead { subcode: Some(subcode) });
    }
    assert_eq!(class(190, Some(459)), ErrorClass::LoginRequired);
    assert_eq!(class(102, None), ErrorClass::TokenDead { subcode: None });
    for code in [4, 17, 32, 613, 80000, 80001, 80002, 80014] {
        assert!(matches!(class(code, None), ErrorClass::RateLimited { .. }), "{code}");
    }
    for code in [10, 200, 250, 299] {
        assert_eq!(class(code, None), ErrorClass::PermissionMissing, "{code}");
    }
    for code in [1, 2, 341, 368] {
        assert_eq!(class(code, None), ErrorClass::Transient, "{code}");
    }
    assert_eq!(class(100, None), ErrorClass::ClientBug);
}

/// The JSON shape of `value`: object keys (recursively) and value kinds, ignoring values.
pub(crate) fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::String(_) => Value::String("string".into()),
        Value::Number(_) => Value::String("number".into()),
        Value::Bool(_) => Value::String("bool".into()),
        Value::Null => Value::Null,
    }
}

/// Whether every key of Meta's `documented` shape is in the sandbox's `answered` one, with the
/// same kind (ids may be strings or numbers: Meta shows both).
pub(crate) fn covers(answered: &Value, documented: &Value) -> bool {
    match (answered, documented) {
        (Value::Object(a), Value::Object(d)) => {
            d.iter().all(|(k, dv)| a.get(k).is_some_and(|av| covers(av, dv)))
        }
        (Value::Array(a), Value::Array(d)) => {
            d.first().is_none_or(|dv| a.first().is_some_and(|av| covers(av, dv)))
        }
        (Value::String(a), Value::String(d)) => {
            a == d || (a == "string" && d == "number") || (a == "number" && d == "string")
        }
        (a, d) => a == d,
    }
}

pub(crate) async fn sandbox_json(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_sandbox_answers_in_metas_documented_shapes() {
    use evergreen_sandbox::world::TokenKind;
    use evergreen_sandbox::{ExchangeShape, Shapes};
    let f = Fixture::new().await;
    let world = f.sandbox.world();
    let base = f.sandbox.url().as_str().trim_end_matches('/').to_string();
    let user = f.user_id("evergreen.shop");
    let exchange = |shape| {
        world.set_shapes(Shapes { code_exchange: shape, ..world.shapes() });
        let code = world.issue_code(&user, REDIRECT, vec!["instagram_business_basic".into()]);
        let form = [
            ("client_id", world.app.client_id.clone()),
            ("client_secret", world.app.client_secret.clone()),
            ("grant_type", "authorization_code".into()),
            ("redirect_uri", REDIRECT.into()),
            ("code", code),
        ];
        let url = format!("{base}/oauth/access_token");
        async move {
            reqwest::Client::new().post(url).form(&form).send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let wrapped = exchange(ExchangeShape::Wrapped).await;
    assert!(covers(&shape(&wrapped), &shape(&example("oauth_access_token.success").body)), "{wrapped}");
    let bare = exchange(ExchangeShape::Bare).await;
    assert!(
        covers(&shape(&bare), &shape(&example("oauth_access_token.success.reference_flat").body)),
        "{bare}"
    );

    let (long, _) = world.issue_token(&user, TokenKind::LongLived, vec!["instagram_business_basic".into()]);
    let me = sandbox_json(format!("{base}/v23.0/me?fields=user_id,username&access_token={long}")).await;
    let documented = example("me.success").body["data"][0].clone();
    assert!(covers(&shape(&me), &shape(&documented)), "{me}");
    let media = sandbox_json(format!("{base}/v23.0/me/media?fields=id&limit=2&access_token={long}")).await;
    let documented = example("me_media.page").body;
    assert!(covers(&shape(&media["data"]), &shape(&documented["data"])), "{media}");
    assert!(covers(&shape(&media["paging"]["cursors"]), &shape(&documented["paging"]["cursors"])), "{media}");

    let (short, _) = world.issue_token(&user, TokenKind::ShortLived, vec!["instagram_business_basic".into()]);
    let secret = world.app.client_secret.clone();
    let exchanged = sandbox_json(format!(
        "{base}/access_token?grant_type=ig_exchange_token&client_secret={secret}&access_token={short}"
    ))
    .await;
    assert!(covers(&shape(&exchanged), &shape(&example("access_token.success").body)), "{exchanged}");
    f.advance(chrono::Duration::hours(25));
    let renewed =
        sandbox_json(format!("{base}/refresh_access_token?grant_type=ig_refresh_token&access_token={long}"))
            .await;
    assert!(covers(&shape(&renewed), &shape(&example("refresh_access_token.success").body)), "{renewed}");

    world.revoke(&user, 460);
    let dead = sandbox_json(format!("{base}/v23.0/me?fields=username&access_token={long}")).await;
    let mut documented = shape(&example("error.190_460").body);
    // `error_user_title`/`error_user_msg` are only for errors with words for the person.
    documented["error"]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k != "error_user_title" && k != "error_user_msg");
    assert!(covers(&shape(&dead), &documented), "{dead}");
    assert_eq!(
        (dead["error"]["code"].clone(), dead["error"]["error_subcode"].clone()),
        (190.into(), 460.into())
    );
}

// Threads: the examples of Meta's Threads pages (`tests/fixtures/meta/threads/`), read by the
// Threads client as real answers. The sandbox's Threads is checked against them in its own
// crate's tests, once it plays Threads.

mod threads {
    use evergreen_instagram::threads::{AuthorizeRequest, Client, Endpoints, Scope};
    use evergreen_instagram::{ApiError, ErrorClass, Network};

    use super::{example, fixtures_dir, serve, token};

    fn client_at(url: &url::Url) -> Client {
        Client::with_timeout(Endpoints::single_host(url), std::time::Duration::from_secs(5))
    }

    #[test]
    fn every_threads_fixture_names_its_source() {
        let dir = fixtures_dir().join("threads");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                example(&format!("threads/{}", path.file_stem().unwrap().to_str().unwrap()));
                seen += 1;
            }
        }
        assert!(seen >= 4, "{seen} fixtures");
        assert!(dir.join("ASSUMPTIONS.md").is_file(), "what Meta leaves open is written down");
    }

    #[test]
    fn the_authorization_window_is_asked_for_as_the_page_shows_it() {
        let text =
            std::fs::read_to_string(fixtures_dir().join("threads/oauth_authorize.request.json")).unwrap();
        let file: serde_json::Value = serde_json::from_str(&text).unwrap();
        let documented = url::Url::parse(file["request"].as_str().unwrap()).unwrap();
        let ours = Client::new(Endpoints::threads()).authorize_url(&AuthorizeRequest {
            client_id: "990602627938098",
            redirect_uri: "https://socialsizzle.herokuapp.com/auth/",
            scopes: &[Scope::Basic, Scope::ContentPublish],
            state: "st4te",
        });
        assert_eq!((ours.host_str(), ours.path()), (documented.host_str(), documented.path()));
        let pairs =
            |url: &url::Url| url.query_pairs().into_owned().collect::<std::collections::BTreeMap<_, _>>();
        let (ours, documented) = (pairs(&ours), pairs(&documented));
        for (key, value) in &documented {
            assert_eq!(ours.get(key), Some(value), "{key}");
        }
        assert_eq!(
            ours.get("state").map(String::as_str),
            Some("st4te"),
            "state, which the page makes optional"
        );
    }

    #[tokio::test]
    async fn long_lived_tokens_and_renewals_use_their_documented_lifetime() {
        for name in ["threads/access_token.success", "threads/refresh_access_token.success"] {
            let fixture = example(name);
            let client = client_at(&serve(&fixture, 200).await);
            let lived = if name.ends_with("refresh_access_token.success") {
                client.refresh(&token()).await
            } else {
                client
                    .exchange_long_lived(&evergreen_instagram::ClientSecret::new("s".into()), &token())
                    .await
            }
            .unwrap();
            assert_eq!(lived.expires_in.as_secs(), 5_183_944, "{name}");
            assert_eq!(lived.token.expose(), "<LONG_LIVED_USER_ACCESS_TOKEN>", "{name}");
        }
    }

    #[tokio::test]
    async fn me_is_read_as_the_page_shows_it() {
        let fixture = example("threads/me.success");
        let me = client_at(&serve(&fixture, 200).await).me(&token()).await.unwrap();
        assert_eq!(me.user_id.0, "1234567");
        assert_eq!(me.username, "threadsapitestuser");
        assert_eq!(me.name.as_deref(), Some("Threads API Test User"));
        assert!(me.profile_picture_url.as_deref().is_some_and(|u| u.starts_with("https://scontent")));
        assert_eq!(me.account_type, None, "Threads has no account type");
    }

    /// The whole Threads path against the sandbox's Threads: the client's requests are what the
    /// sandbox (written from Meta's pages, not from the client) accepts, and its answers are in
    /// the pages' shapes.
    #[tokio::test]
    async fn the_client_and_the_sandboxs_threads_agree_and_answer_in_the_documented_shapes() {
        use evergreen_instagram::AppCredentials;
        use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, demo_threads_app, seed};

        use super::{covers, sandbox_json, shape};

        const REDIRECT: &str = "https://relay.example.test/v1/callback/threads";
        let world = World::new(SandboxClock::system(), demo_app(vec![super::REDIRECT.into()]))
            .with_threads(demo_threads_app(vec![REDIRECT.into()]));
        seed(&world);
        let sandbox = Sandbox::start(world).await.unwrap();
        let world = sandbox.world();
        let threads = world.threads_app.clone().unwrap();
        let client = client_at(sandbox.threads_url());
        let user = world.accounts().into_iter().find(|a| a.username == "harbour.cafe").unwrap().user_id;
        let code = world.issue_code(&user, REDIRECT, vec!["threads_basic".into()]);
        let app = AppCredentials {
            client_id: threads.client_id.clone(),
            client_secret: evergreen_instagram::ClientSecret::new(threads.client_secret.clone()),
            redirect_uri: REDIRECT.into(),
        };
        let short = client.exchange_code(&app, &code).await.unwrap();
        let long = client.exchange_long_lived(&app.client_secret, &short.token).await.unwrap();
        assert_eq!(long.expires_in.as_secs(), 60 * 86_400);
        let me = client.me(&long.token).await.unwrap();
        assert_eq!((me.user_id.0.as_str(), me.username.as_str()), (user.as_str(), "harbour.cafe"));
        // A renewal under 24 hours is refused as our request, never as a dead token.
        let early = client.refresh(&long.token).await.unwrap_err();
        assert_eq!(early.class, ErrorClass::ClientBug, "{early}");
        world.clock.advance(chrono::Duration::hours(25));
        let renewed = client.refresh(&long.token).await.unwrap();
        assert_eq!(renewed.expires_in.as_secs(), 60 * 86_400);

        let base = sandbox.threads_url().as_str().trim_end_matches('/').to_string();
        let token = renewed.token.expose();
        let me = sandbox_json(format!(
            "{base}/v1.0/me?fields=id,username,name,threads_profile_picture_url,threads_biography&access_token={token}"
        ))
        .await;
        assert!(covers(&shape(&me), &shape(&example("threads/me.success").body)), "{me}");
        world.clock.advance(chrono::Duration::hours(25));
        let again = sandbox_json(format!(
            "{base}/refresh_access_token?grant_type=th_refresh_token&access_token={token}"
        ))
        .await;
        assert!(
            covers(&shape(&again), &shape(&example("threads/refresh_access_token.success").body)),
            "{again}"
        );
    }

    #[tokio::test]
    async fn the_graph_apis_documented_error_is_read_by_the_threads_table() {
        let fixture = example("error.190_460");
        let error: ApiError = client_at(&serve(&fixture, 400).await).refresh(&token()).await.unwrap_err();
        assert_eq!(error.network, Network::Threads);
        assert_eq!(error.class, ErrorClass::TokenDead { subcode: Some(460) });
        assert!(error.to_string().starts_with("Threads answered 400 (code 190)"), "{error}");
    }
}
