//! A sandbox on loopback and a relay router over it, with a clock the test moves.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use evergreen_instagram::{ClientSecret, Endpoints, Url};
use evergreen_relay::state::Now;
use evergreen_relay::{AppState, Config, router};
use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, demo_threads_app, seed};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::redis_server::RedisServer;

pub const PUBLIC: &str = "https://relay.example.test";
pub const REDIRECT: &str = "https://relay.example.test/v1/callback";
pub const THREADS_REDIRECT: &str = "https://relay.example.test/v1/callback/threads";
/// Opens `/metrics` on the tests' relay.
pub const METRICS_TOKEN: &str = "metrics-token-for-tests";

/// Where a test's relay keeps sessions and handoffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// In the relay's memory (one replica).
    Memory,
    /// In a Redis of the test's own.
    Redis,
}

/// Run each test once per store: `async fn name(store: Store) { .. }` becomes the module
/// `name` with the tests `in_memory` and `on_redis`.
macro_rules! on_each_store {
    ($($(#[$meta:meta])* async fn $name:ident($store:ident: Store) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($store: $crate::support::Store) $body

            #[tokio::test]
            async fn in_memory() {
                run($crate::support::Store::Memory).await
            }

            #[tokio::test]
            async fn on_redis() {
                run($crate::support::Store::Redis).await
            }
        }
    )*};
}
pub(crate) use on_each_store;

/// The sealing key of the tests' relays on Redis (every replica of one test shares it).
pub const HANDOFF_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub struct Relay {
    pub sandbox: Sandbox,
    pub state: AppState,
    pub now: Arc<Mutex<DateTime<Utc>>>,
    /// The test's Redis, when on Redis (stopped with the relay).
    pub redis: Option<RedisServer>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The deep link the return page opens.
    pub fn deep_link(&self) -> String {
        let start = self.body.find("data-deep-link=\"").expect("a deep link on the page") + 16;
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].replace("&amp;", "&")
    }
}

impl Relay {
    pub async fn new(store: Store) -> Self {
        Self::with(store, |_| {}).await
    }

    /// A relay that connects Threads accounts too, with the sandbox's Threads app.
    pub async fn with_threads(store: Store) -> Self {
        Self::with_threads_and(store, |_| {}).await
    }

    /// [`Relay::with_threads`], then `tune`.
    pub async fn with_threads_and(store: Store, tune: impl FnOnce(&mut Config)) -> Self {
        let mut relay = Self::with(store, tune).await;
        let app = relay.sandbox.world().threads_app.clone().expect("the sandbox registers a Threads app");
        let config = (*relay.state.config).clone().with_threads(
            app.client_id,
            ClientSecret::new(app.client_secret),
            evergreen_instagram::threads::Endpoints::single_host(relay.sandbox.threads_url()),
        );
        relay.state = AppState::with_clock(config, clock(&relay.now));
        relay
    }

    /// Play Threads' part for `username`: a code for our Threads redirect.
    pub fn threads_code_for(&self, username: &str) -> String {
        let world = self.sandbox.world();
        let user = world.accounts().into_iter().find(|a| a.username == username).unwrap().user_id;
        world.issue_code(&user, THREADS_REDIRECT, vec!["threads_basic".into()])
    }

    /// Start a Threads sign-in with a fresh verifier; returns (verifier, state, authorize URL).
    pub async fn start_threads(&self) -> (String, String, String) {
        let verifier = URL_SAFE_NO_PAD.encode(rand_bytes());
        let answer = self
            .post(
                "/v1/sessions",
                json!({"code_challenge": challenge_of(&verifier), "code_challenge_method": "S256", "network": "threads"})
                    .to_string(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let v = answer.json();
        (verifier, v["state"].as_str().unwrap().into(), v["authorize_url"].as_str().unwrap().into())
    }

    pub async fn with(store: Store, tune: impl FnOnce(&mut Config)) -> Self {
        let world = World::new(SandboxClock::system(), demo_app(vec![REDIRECT.into()]))
            .with_threads(demo_threads_app(vec![THREADS_REDIRECT.into()]));
        seed(&world);
        let sandbox = Sandbox::start(world).await.unwrap();
        let app = &sandbox.world().app;
        let mut config = Config::local(
            Url::parse(PUBLIC).unwrap(),
            Endpoints::single_host(sandbox.url()),
            app.client_id.clone(),
            ClientSecret::new(app.client_secret.clone()),
        );
        config.metrics_token = Some(ClientSecret::new(METRICS_TOKEN.into()));
        let redis = match store {
            Store::Memory => None,
            Store::Redis => {
                let server = RedisServer::start();
                config.use_redis(&server.url(), HANDOFF_KEY).unwrap();
                Some(server)
            }
        };
        tune(&mut config);
        let now = Arc::new(Mutex::new(Utc::now()));
        let state = AppState::with_clock(config, clock(&now));
        Self { sandbox, state, now, redis }
    }

    /// Another replica of this relay: its own process state on the same configuration (the
    /// same Redis) and clock.
    pub fn replica(&self) -> AppState {
        AppState::with_clock((*self.state.config).clone(), clock(&self.now))
    }

    /// This test's Redis.
    pub fn redis(&mut self) -> &mut RedisServer {
        self.redis.as_mut().expect("a relay on Redis")
    }

    pub fn advance(&self, by: chrono::Duration) {
        *self.now.lock().unwrap() += by;
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        self.send_to(&self.state, request).await
    }

    /// Send `request` to the replica `to`.
    pub async fn send_to(&self, to: &AppState, request: Request<Body>) -> Answer {
        let response = router(to.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body =
            String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes()).into_owned();
        Answer { status, headers, body }
    }

    pub async fn post(&self, path: &str, body: impl Into<String>) -> Answer {
        self.post_to(&self.state, path, body).await
    }

    pub async fn post_to(&self, to: &AppState, path: &str, body: impl Into<String>) -> Answer {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.into()))
            .unwrap();
        self.send_to(to, request).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.get_to(&self.state, path).await
    }

    pub async fn get_to(&self, to: &AppState, path: &str) -> Answer {
        self.send_to(to, Request::get(path).body(Body::empty()).unwrap()).await
    }

    /// Ask for a session as a client behind our proxy, with `forwarded` as X-Forwarded-For.
    pub async fn start_from(&self, forwarded: &str) -> Answer {
        let challenge =
            URL_SAFE_NO_PAD.encode(Sha256::digest(URL_SAFE_NO_PAD.encode(rand_bytes()).as_bytes()));
        let request = Request::post("/v1/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", forwarded)
            .body(Body::from(
                json!({"code_challenge": challenge, "code_challenge_method": "S256"}).to_string(),
            ))
            .unwrap();
        self.send(request).await
    }

    /// What `/metrics` says (the tests' relay has a metrics token).
    pub async fn metrics(&self) -> Value {
        let request = Request::get("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {METRICS_TOKEN}"))
            .body(Body::empty())
            .unwrap();
        self.send(request).await.json()
    }

    /// Start a sign-in with a fresh verifier; returns (verifier, state, authorize URL).
    pub async fn start(&self) -> (String, String, String) {
        self.start_on(&self.state).await
    }

    /// [`Relay::start`] on the replica `on`.
    pub async fn start_on(&self, on: &AppState) -> (String, String, String) {
        let verifier = URL_SAFE_NO_PAD.encode(rand_bytes());
        let challenge = challenge_of(&verifier);
        let answer = self
            .post_to(
                on,
                "/v1/sessions",
                json!({"code_challenge": challenge, "code_challenge_method": "S256"}).to_string(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let v = answer.json();
        (verifier, v["state"].as_str().unwrap().into(), v["authorize_url"].as_str().unwrap().into())
    }

    /// Play Instagram's part for `username`: a code for our redirect, granting `scopes`.
    pub fn code_for(&self, username: &str, scopes: &[&str]) -> String {
        let world = self.sandbox.world();
        let user = world.accounts().into_iter().find(|a| a.username == username).unwrap().user_id;
        world.issue_code(&user, REDIRECT, scopes.iter().map(|s| s.to_string()).collect())
    }

    /// The whole browser part: start, consent as `username`, come back. Returns the verifier
    /// and the callback's answer.
    pub async fn sign_in(&self, username: &str) -> (String, String, Answer) {
        self.sign_in_on(&self.state, username).await
    }

    /// [`Relay::sign_in`] on the replica `on`.
    pub async fn sign_in_on(&self, on: &AppState, username: &str) -> (String, String, Answer) {
        let (verifier, state, _) = self.start_on(on).await;
        let code = self.code_for(username, &["instagram_business_basic"]);
        let answer = self.get_to(on, &format!("/v1/callback?code={code}&state={state}")).await;
        (verifier, state, answer)
    }
}

/// `BASE64URL(SHA256(verifier))`, as the app sends it.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn clock(now: &Arc<Mutex<DateTime<Utc>>>) -> Now {
    let now = now.clone();
    Arc::new(move || *now.lock().unwrap())
}

fn rand_bytes() -> [u8; 32] {
    rand::random()
}

/// The query parameters of a deep link.
pub fn link_params(link: &str) -> std::collections::HashMap<String, String> {
    let query = link.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}
