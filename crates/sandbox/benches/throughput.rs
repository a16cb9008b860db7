//! Sandbox throughput on loopback, so it is never the bottleneck of the refresh benchmarks.
//!
//! `cargo bench -p evergreen-sandbox --bench throughput`
//!
//! 64 concurrent keep-alive clients in this process against an in-process sandbox for five
//! seconds per endpoint; prints requests per second for `refresh_access_token` and `/me`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use evergreen_sandbox::world::TokenKind;
use evergreen_sandbox::{Sandbox, SandboxClock, World, demo_app, seed};

const CLIENTS: usize = 64;
const RUN: Duration = Duration::from_secs(5);

async fn hammer(name: &str, urls: Vec<String>) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (client, done, failed, url) =
                (client.clone(), done.clone(), failed.clone(), urls[i % urls.len()].clone());
            tokio::spawn(async move {
                while started.elapsed() < RUN {
                    match client.get(&url).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
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
        "{name:<10} {:>9.0} requests/s  ({ok} in {secs:.1} s, {} failed, {CLIENTS} clients)",
        ok as f64 / secs,
        failed.load(Ordering::Relaxed)
    );
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let world = World::new(SandboxClock::system(), demo_app(vec![]));
    seed(&world);
    let sandbox = Sandbox::start(world).await.unwrap();
    let w = sandbox.world();
    let user = w.accounts()[0].user_id.clone();
    let tokens: Vec<String> =
        (0..CLIENTS).map(|_| w.issue_token(&user, TokenKind::LongLived, vec![]).0).collect();
    w.clock.advance(chrono::Duration::hours(25));
    let base = sandbox.url().as_str().trim_end_matches('/').to_string();
    let refresh = tokens
        .iter()
        .map(|t| format!("{base}/refresh_access_token?grant_type=ig_refresh_token&access_token={t}"))
        .collect();
    let me = tokens
        .iter()
        .map(|t| {
            format!(
                "{base}/v23.0/me?fields=user_id,username,account_type,profile_picture_url&access_token={t}"
            )
        })
        .collect();
    hammer("refresh", refresh).await;
    hammer("/me", me).await;
}
