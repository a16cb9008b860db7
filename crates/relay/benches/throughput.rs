//! Relay throughput on loopback: the real accept loop, 64 keep-alive clients in this process,
//! five seconds per endpoint (both sides share the machine's cores).
//!
//! `cargo bench -p evergreen-relay --bench throughput`
//!
//! * `GET /healthz`: the floor (routing, layers, the accept loop);
//! * `POST /v1/sessions`: starting a sign-in (validation, the bounded store, a state, the
//!   authorize URL), rate limits raised so they do not cap the figure;
//! * `POST /v1/handoff` with an unknown handoff: the refusal path a flood takes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use evergreen_instagram::{ClientSecret, Endpoints, Url};
use evergreen_relay::{AppState, Config, serve};

const CLIENTS: usize = 64;
const RUN: Duration = Duration::from_secs(5);

async fn hammer(
    name: &str,
    request: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().unwrap();
    let request = Arc::new(request);
    let done = Arc::new(AtomicU64::new(0));
    let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<u16, u64>::new()));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, done, statuses, request) =
                (client.clone(), done.clone(), statuses.clone(), request.clone());
            tokio::spawn(async move {
                while started.elapsed() < RUN {
                    if let Ok(r) = request(&client).send().await {
                        *statuses.lock().unwrap().entry(r.status().as_u16()).or_default() += 1;
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let ok = done.load(Ordering::Relaxed);
    println!(
        "| `{name}` | {:.0} | {:?} |",
        ok as f64 / secs,
        statuses.lock().unwrap().iter().map(|(s, n)| format!("{s}×{n}")).collect::<Vec<_>>()
    );
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut config = Config::local(
        Url::parse(&format!("http://{address}/")).unwrap(),
        Endpoints::single_host(&Url::parse("http://127.0.0.1:9/").unwrap()),
        "990602627938098".into(),
        ClientSecret::new("benchmark-secret".into()),
    );
    config.sessions_per_minute = u32::MAX;
    config.redemptions_per_minute = u32::MAX;
    config.max_sessions = 2_000_000;
    tokio::spawn(serve(listener, AppState::new(config), std::future::pending()));
    let base = format!("http://{address}");
    println!("| endpoint | requests/s | answers |\n|---|---:|---|");
    let url = format!("{base}/healthz");
    hammer("GET /healthz", move |c| c.get(&url)).await;
    let url = format!("{base}/v1/sessions");
    hammer("POST /v1/sessions", move |c| {
        c.post(&url).header("content-type", "application/json").body(
            r#"{"code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM","code_challenge_method":"S256"}"#,
        )
    })
    .await;
    let url = format!("{base}/v1/handoff");
    hammer("POST /v1/handoff (unknown)", move |c| {
        c.post(&url).header("content-type", "application/json").body(
            r#"{"handoff":"h_unknown_000000000000000000","code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}"#,
        )
    })
    .await;
}
