//! Abuse: slow clients, connection floods, oversized bodies and arbitrary requests. The relay
//! answers clearly, stays available, and holds no more than its limits.
//!
//! The slow-client test waits on hyper's own header timer (set to 300 ms here): that timer is
//! the network stack's, not the product's clock, so it is the one place a relay test waits for
//! real time.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request};
use evergreen_relay::serve;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Relay, Store, on_each_store};

async fn listen(relay: &Relay) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, relay.state.clone(), std::future::pending()));
    address
}

/// A client that starts a request and never finishes its headers.
async fn slow_client(address: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"POST /v1/sessions HTTP/1.1\r\nHost: relay\r\n").await.unwrap();
    stream
}

on_each_store! {
    async fn slow_clients_are_cut_off_and_cannot_starve_others(store: Store) {
        let relay = Relay::with(store, |c| {
            c.max_connections = 4;
            c.header_timeout = Duration::from_millis(300);
        })
        .await;
        let address = listen(&relay).await;
        let mut slow = Vec::new();
        for _ in 0..4 {
            slow.push(slow_client(address).await);
        }
        // Every connection slot is held by a slow client; a real request still gets its answer
        // once they are cut off.
        let started = Instant::now();
        let health = reqwest::Client::new()
            .get(format!("http://{address}/healthz"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("answered after the slow clients were dropped");
        assert!(health.status().is_success());
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        for mut stream in slow {
            let mut rest = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
            assert!(read.is_ok(), "a slow client was never disconnected");
        }
    }
}

on_each_store! {
    /// HTTP/2 has no header timer between requests: without an age limit and pings, an idle
    /// connection would hold its slot for ever. Virtual time: the relay's timers are tokio's.
    async fn an_idle_http2_connection_gives_its_slot_back_within_a_minute(store: Store) {
        let relay = Relay::new(store).await;
        let address = listen(&relay).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        // HTTP/2 with prior knowledge: the preface and an empty SETTINGS frame, then silence (and
        // no answer to the relay's pings).
        stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0").await.unwrap();
        tokio::time::pause();
        let started = tokio::time::Instant::now();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(600), stream.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "an idle HTTP/2 connection was kept for 10 minutes");
        assert!(started.elapsed() <= Duration::from_secs(75), "closed after {:?}", started.elapsed());
    }
}

on_each_store! {
    async fn a_connection_flood_waits_in_the_backlog_and_everyone_is_answered(store: Store) {
        let relay = Relay::with(store, |c| c.max_connections = 8).await;
        let address = listen(&relay).await;
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let requests = (0..200).map(|_| {
            let http = http.clone();
            async move { http.get(format!("http://{address}/healthz")).send().await.map(|r| r.status()) }
        });
        let answers = futures_join_all(requests).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(s) if s.is_success())), "{answers:?}");
    }
}

async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

on_each_store! {
    async fn an_oversized_body_over_the_wire_is_refused_without_reading_it_all(store: Store) {
        let relay = Relay::new(store).await;
        let address = listen(&relay).await;
        let answer = reqwest::Client::new()
            .post(format!("http://{address}/v1/handoff"))
            .header("content-type", "application/json")
            .body(vec![b' '; 16 * 1024 * 1024])
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        // Either a clear 413, or the connection closed once the cap was passed: never the relay
        // buffering 16 MiB.
        if let Ok(answer) = answer {
            assert_eq!(answer.status().as_u16(), 413);
            let body: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(body["code"], "too_large");
        }
        assert!(reqwest::get(format!("http://{address}/healthz")).await.unwrap().status().is_success());
    }
}

fn request() -> impl Strategy<Value = (Method, String, Option<&'static str>, Vec<u8>)> {
    let paths = prop_oneof![
        Just("/v1/sessions".to_string()),
        Just("/v1/handoff".to_string()),
        Just("/v1/callback".to_string()),
        Just("/healthz".to_string()),
        "/[ -~&&[^ #?]]{0,40}",
    ];
    let query = prop_oneof![
        Just(String::new()),
        "\\?[a-z_]{1,12}=[ -~&&[^ #]]{0,60}(&[a-z_]{1,12}=[ -~&&[^ #]]{0,60}){0,4}",
        Just("?code=abc&state=&error=access_denied&error_reason=x".to_string()),
        Just("?state=s&state=t&code=c&code=d".to_string()),
    ];
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        "\\{\"(code_challenge|code_challenge_method|handoff|code_verifier|force_authentication)\":(\"[ -~]{0,80}\"|[0-9]{1,20}|true|null|\\[\\]|\\{\\})\\}"
            .prop_map(String::into_bytes),
        "\\{\"handoff\":\"[A-Za-z0-9_-]{0,64}\",\"code_verifier\":\"[A-Za-z0-9._~-]{0,130}\"\\}".prop_map(String::into_bytes),
        "\\{\"code_challenge\":\"[A-Za-z0-9_-]{0,64}\",\"code_challenge_method\":\"(S256|plain|)\",\"force_authentication\":(true|false|1)\\}"
            .prop_map(String::into_bytes),
    ];
    (
        prop_oneof![
            Just(Method::GET),
            Just(Method::POST),
            Just(Method::PUT),
            Just(Method::DELETE),
            Just(Method::HEAD)
        ],
        (paths, query).prop_map(|(p, q)| format!("{p}{q}")),
        prop_oneof![Just(Some("application/json")), Just(Some("text/plain")), Just(None)],
        body,
    )
}

/// Whatever arrives: no panic, no internal error, a JSON `{code, message}` for every API
/// refusal, and nothing ever redeemed. One relay (and its Redis) for all 400 cases.
fn any_request_gets_a_clear_answer(store: Store) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let relay = runtime.block_on(Relay::with(store, |c| {
        c.sessions_per_minute = 1_000_000;
        c.redemptions_per_minute = 1_000_000;
    }));
    let mut runner = TestRunner::new(ProptestConfig { cases: 400, ..ProptestConfig::default() });
    let outcome = runner.run(&request(), |(method, uri, content_type, body)| {
        // Some generated paths are not valid URIs at all; hyper would refuse those itself.
        let Ok(parsed) = uri.parse::<axum::http::Uri>() else { return Ok(()) };
        let mut builder = Request::builder().method(method).uri(parsed);
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        let request = builder.body(Body::from(body)).unwrap();
        let answer = runtime.block_on(relay.send(request));
        prop_assert!(
            answer.status.as_u16() < 500 || answer.status.as_u16() == 503,
            "{} {uri}: {}",
            answer.status,
            answer.body
        );
        prop_assert!(
            answer.status.as_u16() != 200 || !uri.starts_with("/v1/handoff"),
            "redeemed a forged handoff"
        );
        let api = uri.starts_with("/v1/sessions") || uri.starts_with("/v1/handoff");
        if api && !answer.status.is_success() && answer.status.as_u16() != 405 {
            let v: serde_json::Value = serde_json::from_str(&answer.body)
                .map_err(|e| TestCaseError::fail(format!("{e}: {}", answer.body)))?;
            prop_assert!(v["code"].is_string() && v["message"].is_string(), "{}", answer.body);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

#[test]
fn any_request_gets_a_clear_answer_in_memory() {
    any_request_gets_a_clear_answer(Store::Memory);
}

#[test]
fn any_request_gets_a_clear_answer_on_redis() {
    any_request_gets_a_clear_answer(Store::Redis);
}
