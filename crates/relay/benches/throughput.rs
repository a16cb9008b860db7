//! Relay throughput on loopback: the real accept loop, 64 keep-alive clients in this process
//! (both sides share the machine's cores), 30,000 requests per endpoint, five rounds, the
//! median round reported (this machine's speed drifts by a third between minutes), in three
//! deployments: one replica in memory, one replica on Redis, two replicas on one Redis (the
//! clients alternate between them). Redis is Debian's `redis-server` on a Unix socket with
//! persistence off, as packaged.
//!
//! `cargo bench -p evergreen-relay --bench throughput`
//!
//! * `GET /healthz`: the floor (routing, layers, the accept loop), in memory only;
//! * `POST /v1/sessions`: starting a sign-in (the rate limit, validation, the bounded store, a
//!   state, the authorize URL), limits raised so they do not cap the figure;
//! * `POST /v1/handoff`: redeeming a handoff that is waiting (seeded beforehand, one per
//!   request): the limit, the compare-and-delete, opening the sealed token;
//! * `POST /v1/handoff` with an unknown handoff: the refusal path a flood takes.
//!
//! Below the table, one replica on Redis against one in memory, round by round (the two run
//! within a minute of each other) and the median of those ratios.
//!
//! Redis round trips are counted by Redis itself (`INFO commandstats`, the scripts the relay
//! runs), per request, and so is the memory each request leaves in it (`used_memory`): a session
//! or a seeded handoff held, a redeemed one freed.

#[path = "../tests/relay/redis_server.rs"]
mod redis_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use evergreen_instagram::{AccessToken, ClientSecret, Endpoints, Url};
use evergreen_relay::store::{Handoff, HandoffPayload};
use evergreen_relay::{AppState, Config, serve};
use redis_server::RedisServer;

const CLIENTS: usize = 64;
const REQUESTS: usize = 30_000;
/// RFC 7636's example verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const HANDOFF_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// One deployment under test.
struct Deployment {
    label: &'static str,
    replicas: Vec<(AppState, String)>,
    redis: Option<RedisServer>,
}

fn config(redis: Option<&RedisServer>) -> Config {
    let mut config = Config::local(
        Url::parse("http://127.0.0.1:8788/").unwrap(),
        Endpoints::single_host(&Url::parse("http://127.0.0.1:9/").unwrap()),
        "990602627938098".into(),
        ClientSecret::new("benchmark-secret".into()),
    );
    config.sessions_per_minute = u32::MAX;
    config.redemptions_per_minute = u32::MAX;
    config.max_sessions = 2_000_000;
    config.max_sessions_per_client = 2_000_000;
    config.max_handoffs = 2_000_000;
    if let Some(redis) = redis {
        config.use_redis(&redis.url(), HANDOFF_KEY).unwrap();
    }
    config
}

async fn replica(config: Config) -> (AppState, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState::new(config);
    tokio::spawn(serve(listener, state.clone(), std::future::pending()));
    (state, format!("http://{address}"))
}

impl Deployment {
    async fn new(label: &'static str, replicas: usize, on_redis: bool) -> Self {
        let redis = on_redis.then(RedisServer::start);
        let mut states = Vec::new();
        for _ in 0..replicas {
            states.push(replica(config(redis.as_ref())).await);
        }
        Self { label, replicas: states, redis }
    }

    /// The scripts Redis has run for the relay so far.
    fn round_trips(&self) -> Option<u64> {
        let redis = self.redis.as_ref()?;
        let stats: String = redis.command(redis::cmd("INFO").arg("commandstats")).unwrap();
        Some(
            stats
                .lines()
                .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
                .filter_map(|l| l.split("calls=").nth(1)?.split(',').next()?.parse::<u64>().ok())
                .sum(),
        )
    }

    /// Seconds of CPU Redis has used (`INFO cpu`, user and system).
    fn redis_cpu(&self) -> Option<f64> {
        let redis = self.redis.as_ref()?;
        let info: String = redis.command(redis::cmd("INFO").arg("cpu")).unwrap();
        Some(
            info.lines()
                .filter(|l| l.starts_with("used_cpu_user:") || l.starts_with("used_cpu_sys:"))
                .filter_map(|l| l.split(':').nth(1)?.trim().parse::<f64>().ok())
                .sum(),
        )
    }

    /// `REQUESTS` handoffs waiting, `h<i>`, on the shared store (or the one replica's).
    async fn seed_handoffs(&self, round: usize) {
        let now = Utc::now();
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..CLIENTS {
            let states: Vec<AppState> = self.replicas.iter().map(|(s, _)| s.clone()).collect();
            tasks.spawn(async move {
                for i in (worker..REQUESTS).step_by(CLIENTS) {
                    let id = handoff_id(round, i);
                    let handoff = Handoff {
                        challenge: CHALLENGE.into(),
                        payload: HandoffPayload {
                            network: evergreen_instagram::Network::Instagram,
                            access_token: AccessToken::new(format!("IGAAbench{i:040}")),
                            expires_in: 5_184_000,
                            user_id: format!("1784{i:013}"),
                            app_scoped_id: Some(format!("2{i:015}")),
                            state: format!("state{i:038}"),
                            username: "evergreen.shop".into(),
                            name: Some("Evergreen Shop".into()),
                            account_type: "BUSINESS".into(),
                            profile_picture_url: None,
                            permissions: vec!["instagram_business_basic".into()],
                        },
                        expires_at: now + chrono::Duration::minutes(2),
                    };
                    // Memory is per replica: a handoff lives where its request will go.
                    let state = &states[i % states.len()];
                    state.store.insert_handoff(id, handoff, now).await.unwrap();
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    }

    /// `REQUESTS` requests from `CLIENTS` clients, request `i` to replica `i % replicas`, each
    /// answered `expected` (anything else ends the bench: a round of refusals is no figure).
    async fn hammer(
        &self,
        expected: u16,
        request: impl Fn(&reqwest::Client, &str, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
    ) -> Measurement {
        let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().unwrap();
        let request = Arc::new(request);
        let bases: Arc<Vec<String>> = Arc::new(self.replicas.iter().map(|(_, b)| b.clone()).collect());
        let next = Arc::new(AtomicUsize::new(0));
        let trips_before = self.round_trips();
        let memory_before = self.redis.as_ref().map(RedisServer::used_memory);
        let redis_cpu_before = self.redis_cpu();
        let cpu_before = process_cpu();
        let started = Instant::now();
        let workers: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (client, request, bases, next) =
                    (client.clone(), request.clone(), bases.clone(), next.clone());
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= REQUESTS {
                            return (latencies, statuses);
                        }
                        let sent = Instant::now();
                        let status = match request(&client, &bases[i % bases.len()], i).send().await {
                            Ok(answer) => {
                                let status = answer.status().as_u16();
                                let _ = answer.bytes().await;
                                status
                            }
                            Err(_) => 0,
                        };
                        latencies.push(sent.elapsed());
                        *statuses.entry(status).or_default() += 1;
                    }
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(REQUESTS);
        let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
        for worker in workers {
            let (l, s) = worker.await.unwrap();
            latencies.extend(l);
            for (status, n) in s {
                *statuses.entry(status).or_default() += n;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        assert!(
            statuses.keys().all(|&status| status == expected),
            "expected {REQUESTS} answers {expected}, got {statuses:?}"
        );
        let cpu_us = (process_cpu() - cpu_before) * 1e6 / REQUESTS as f64;
        let redis_cpu_us = redis_cpu_before
            .zip(self.redis_cpu())
            .map(|(before, after)| (after - before) * 1e6 / REQUESTS as f64);
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let trips = match (trips_before, self.round_trips()) {
            (Some(before), Some(after)) => Some((after - before) as f64 / REQUESTS as f64),
            _ => None,
        };
        let memory = memory_before
            .zip(self.redis.as_ref().map(RedisServer::used_memory))
            .map(|(before, after)| (after as f64 - before as f64) / REQUESTS as f64);
        Measurement {
            cpu_us,
            redis_cpu_us,
            memory,
            per_second: REQUESTS as f64 / elapsed,
            p50_ms: ms(at(0.5)),
            p99_ms: ms(at(0.99)),
            trips,
            statuses: statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect::<Vec<_>>().join(" "),
        }
    }
}

/// One round of one endpoint on one deployment.
struct Measurement {
    /// CPU this process (clients and replicas) spent per request, in µs.
    cpu_us: f64,
    /// CPU Redis spent per request, in µs.
    redis_cpu_us: Option<f64>,
    /// Redis' memory grown (or shrunk) per request, in bytes.
    memory: Option<f64>,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    trips: Option<f64>,
    statuses: String,
}

/// The median round's row (by requests/s).
fn report(deployment: &str, endpoint: &str, mut rounds: Vec<Measurement>) {
    rounds.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    let range = format!("{:.0}–{:.0}", rounds[0].per_second, rounds[rounds.len() - 1].per_second);
    let m = &rounds[rounds.len() / 2];
    println!(
        "| {deployment} | `{endpoint}` | {:.0} ({range}) | {:.1} | {:.1} | {:.0} | {} | {} | {} | {} |",
        m.per_second,
        m.p50_ms,
        m.p99_ms,
        m.cpu_us,
        m.redis_cpu_us.map_or("–".into(), |t| format!("{t:.0}")),
        m.trips.map_or("–".into(), |t| format!("{t:.2}")),
        m.memory.map_or("–".into(), |b| format!("{b:+.0}")),
        m.statuses
    );
}

/// Seconds of CPU this process has used, user and system (`/proc/self/stat`, in clock ticks of
/// 1/100 s, as on every Linux this runs on).
fn process_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("a process name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn handoff_id(round: usize, i: usize) -> String {
    format!("h{round}x{i:024}")
}

fn json_post(client: &reqwest::Client, url: String, body: String) -> reqwest::RequestBuilder {
    client.post(url).header("content-type", "application/json").body(body)
}

const ROUNDS: usize = 5;

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let deployments = [
        Deployment::new("1 replica, memory", 1, false).await,
        Deployment::new("1 replica, Redis", 1, true).await,
        Deployment::new("2 replicas, one Redis", 2, true).await,
    ];
    let endpoints = ["GET /healthz", "POST /v1/sessions", "POST /v1/handoff", "POST /v1/handoff (unknown)"];
    // rounds[deployment][endpoint]: the rounds interleave, so a slow minute touches every cell.
    let mut rounds: Vec<Vec<Vec<Measurement>>> =
        deployments.iter().map(|_| endpoints.iter().map(|_| Vec::new()).collect()).collect();
    for round in 0..ROUNDS {
        for (d, deployment) in deployments.iter().enumerate() {
            if d == 0 {
                rounds[d][0]
                    .push(deployment.hammer(200, |c, base, _| c.get(format!("{base}/healthz"))).await);
            }
            let sessions = deployment
                .hammer(201, |c, base, _| {
                    json_post(
                        c,
                        format!("{base}/v1/sessions"),
                        format!(r#"{{"code_challenge":"{CHALLENGE}","code_challenge_method":"S256"}}"#),
                    )
                })
                .await;
            rounds[d][1].push(sessions);
            let seed = round * deployments.len() + d;
            deployment.seed_handoffs(seed).await;
            let handoffs = deployment
                .hammer(200, move |c, base, i| {
                    json_post(
                        c,
                        format!("{base}/v1/handoff"),
                        format!(r#"{{"handoff":"{}","code_verifier":"{VERIFIER}"}}"#, handoff_id(seed, i)),
                    )
                })
                .await;
            rounds[d][2].push(handoffs);
            let unknown = deployment
                .hammer(410, |c, base, _| {
                    json_post(
                        c,
                        format!("{base}/v1/handoff"),
                        format!(
                            r#"{{"handoff":"h_unknown_000000000000000000","code_verifier":"{VERIFIER}"}}"#
                        ),
                    )
                })
                .await;
            rounds[d][3].push(unknown);
        }
    }
    // Each round's Redis figure against the memory figure of the same round, a minute apart at
    // most: the ratio the goal is about, with this machine's drift between rounds taken out.
    let ratios: Vec<String> = (1..endpoints.len())
        .map(|e| {
            let mut each: Vec<f64> =
                (0..ROUNDS).map(|r| rounds[1][e][r].per_second / rounds[0][e][r].per_second).collect();
            let listed = each.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(", ");
            each.sort_by(f64::total_cmp);
            format!("`{}` {:.2} ({listed})", endpoints[e], each[each.len() / 2])
        })
        .collect();
    println!(
        "| deployment | endpoint | requests/s (rounds' range) | p50 ms | p99 ms | bench CPU µs / request | Redis CPU µs / request | Redis round trips / request | Redis bytes / request | answers |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for (d, deployment) in deployments.iter().enumerate() {
        for (e, endpoint) in endpoints.iter().enumerate() {
            let cell = std::mem::take(&mut rounds[d][e]);
            if !cell.is_empty() {
                report(deployment.label, endpoint, cell);
            }
        }
    }
    println!("\n1 replica on Redis ÷ 1 in memory, median of the rounds (each round): {}", ratios.join("; "));
}
