//! Refresh sweeps against the sandbox with 50 ms of latency per call, and the idle
//! scheduler's wake-ups.
//!
//! `cargo bench -p evergreen-core --bench refresh` (add `-- quick` to skip 10,000)
//!
//! For each size: wall time of one sweep of that many due accounts against the ideal
//! (accounts × 2 calls × 50 ms ÷ concurrency), vault snapshot saves, and process CPU time per
//! account (the in-process sandbox's share included). Then: scheduler wake-ups in one idle
//! hour of virtual time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use evergreen_core::account::{Account, AccountId, AccountStatus, AccountType};
use evergreen_core::clock::{Clock, ManualClock};
use evergreen_core::paths::DataDir;
use evergreen_core::refresh::{RefreshPolicy, Trigger};
use evergreen_core::store::Store;
use evergreen_core::vault::{KdfParams, Passphrase, StrongholdVault, TokenRecord, TokenVault, VaultChange};
use evergreen_core::{Evergreen, Setup, ignore_changes};
use evergreen_instagram::{AccessToken, Endpoints, Url};
use evergreen_sandbox::world::TokenKind;
use evergreen_sandbox::{AccountType as SandboxType, Sandbox, SandboxClock, World, demo_app};

const LATENCY_MS: u64 = 50;
const CONCURRENCY: u32 = 32;

/// CPU seconds this process has used (user + system), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

struct Bench {
    _dir: tempfile::TempDir,
    core: Evergreen,
    clock: ManualClock,
    sandbox: Sandbox,
    ids: Vec<AccountId>,
}

/// `n` accounts whose tokens are 49 h old for both the core and the sandbox.
async fn setup(n: usize) -> Bench {
    let clock = ManualClock::at(Utc::now());
    let sandbox_time = clock.clone();
    let world = World::new(SandboxClock::new(Arc::new(move || sandbox_time.now())), demo_app(vec![]));
    let sandbox = Sandbox::start(world).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    let vault =
        StrongholdVault::with_kdf(&data, KdfParams { memory_kib: 256, iterations: 1, parallelism: 1 });
    vault.create(&Passphrase::new("benchmark passphrase".into())).unwrap();
    let store = Store::open(&data.metadata_db()).unwrap();
    let now = clock.now();
    let user = sandbox.world().create_account("bench", "Bench", SandboxType::Business, 1).user_id;
    let mut puts = Vec::with_capacity(n);
    let mut accounts = Vec::with_capacity(n);
    for i in 0..n {
        let (token, issued) = sandbox.world().issue_token(&user, TokenKind::LongLived, vec![]);
        let id = AccountId::new();
        puts.push(VaultChange::Put(
            id,
            TokenRecord {
                network: evergreen_core::account::Network::Instagram,
                token: AccessToken::new(token),
                issued_at: issued.issued_at,
                expires_at: issued.expires_at,
            },
        ));
        accounts.push(Account {
            network: evergreen_core::account::Network::Instagram,
            id,
            network_user_id: format!("1784{i:012}"),
            app_scoped_id: None,
            username: format!("acct{i}"),
            account_type: AccountType::Business,
            profile_picture_url: None,
            status: AccountStatus::Connected,
            status_reason: None,
            token_expires_at: issued.expires_at,
            token_refreshed_at: issued.issued_at,
            last_validated_at: Some(now),
            next_refresh_at: Some(now),
            created_at: now,
            updated_at: now,
            refresh_failures: 0,
            failing_since: None,
        });
    }
    vault.apply(puts).unwrap();
    store
        .write(|w| {
            for a in &accounts {
                w.save_account(a)?;
            }
            w.set_refresh_policy(&RefreshPolicy { max_concurrency: CONCURRENCY, ..RefreshPolicy::default() })
                .map(|_| ())
        })
        .unwrap();
    drop(store);
    clock.advance(Duration::from_secs(49 * 3600));
    let core = Evergreen::open(Setup {
        data_dir: data,
        clock: Arc::new(clock.clone()),
        vault: Box::new(vault),
        sink: ignore_changes(),
        relay: Some(Url::parse("http://127.0.0.1:9/").unwrap()),
        instagram: Endpoints::single_host(sandbox.url()),
        threads: evergreen_instagram::threads::Endpoints::single_host(sandbox.threads_url()),
        instagram_timeout: None,
        notifier: evergreen_core::notify::silent(),
        flow_ttl: None,
        keyring: evergreen_core::keyring::none(),
    })
    .unwrap();
    sandbox.world().set_latency_ms(LATENCY_MS);
    Bench { _dir: dir, core, clock, sandbox, ids: accounts.into_iter().map(|a| a.id).collect() }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let sizes: &[usize] = if quick { &[10, 100, 1_000] } else { &[10, 100, 1_000, 10_000] };
    println!(
        "concurrency {CONCURRENCY}, latency {LATENCY_MS} ms per call, 2 calls per account (refresh, /me)"
    );
    println!(
        "{:>8} {:>10} {:>10} {:>7} {:>12} {:>14}",
        "accounts", "wall", "ideal", "ratio", "vault saves", "CPU/account"
    );
    for &n in sizes {
        let b = setup(n).await;
        b.sandbox.world().reset_stats();
        let cpu = cpu_seconds();
        let started = Instant::now();
        let report = b.core.sweep(b.ids.clone(), Trigger::Scheduled).await;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        assert_eq!(report.refreshed, n, "every account refreshed");
        let ideal = n as f64 * 2.0 * LATENCY_MS as f64 / 1000.0 / CONCURRENCY as f64;
        println!(
            "{n:>8} {:>9.2}s {:>9.2}s {:>7.3} {:>12} {:>12.3}ms   (max in flight {})",
            wall,
            ideal,
            wall / ideal,
            report.vault_saves,
            cpu * 1000.0 / n as f64,
            b.sandbox.world().stats().max_in_flight,
        );
    }

    // Idle: ten accounts, nothing due for two days; one virtual hour.
    let b = setup(10).await;
    b.core.sweep(b.ids.clone(), Trigger::Scheduled).await;
    // Counted before the spawn: the scheduler may be asleep before this task looks again.
    let started = b.clock.sleeps_started();
    let scheduler = tokio::spawn(b.core.clone().run_scheduler());
    b.clock.until_sleeps_started(started + 1).await;
    let before = b.clock.sleeps_started();
    let mut left = Duration::from_secs(3600);
    while let Some(wake) = b.clock.next_wake_in().filter(|w| *w <= left) {
        let n = b.clock.sleeps_started();
        b.clock.advance(wake);
        left -= wake;
        b.clock.until_sleeps_started(n + 1).await;
    }
    b.clock.advance(left);
    println!(
        "idle: {} scheduler wake-ups in one hour with nothing due (goal ≤ 12)",
        b.clock.sleeps_started() - before
    );
    scheduler.abort();
}
