//! An agency's day, measured: profiles of 4, 100, 500 and 2,000 accounts in the mix of the
//! *Hundreds of accounts* issue (`seed::agency`), the app in demo mode in a real window, the
//! pretend Instagram answering every call after 50 ms. For each: Enter on the unlock screen →
//! the list painted with the real (unlocked) states; → the check of every account finished
//! (the app's own log) and the CPU seconds the whole process tree spent meanwhile; the
//! window-open PSS after it; one keystroke in the search → the list painted again; the tray's
//! model for that many accounts, and the app's own whole tray rebuilds (accounts read, model,
//! menu handed to the panel) once the check is done. Page times are taken in the page (`performance.now`,
//! to the painted frame), not by WebDriver polling. Each cell is the median of the runs with
//! their range; below the table, the issue's goals from those medians.
//!
//! `EVERGREEN_E2E_APP=target/release/evergreen dbus-run-session -- xvfb-run -a agency [RUNS] [SIZES…]`

use std::time::{Duration, Instant};

use evergreen_core::account::{Account, AccountId, AccountType, AccountView, DisplayStatus};
use evergreen_e2e::procs::{tree_pss_kb, tree_ticks};
use evergreen_e2e::{Profile, Sandbox, Session, app_pid, seed};
use serde_json::json;

const PASS: &str = "copper lantern meadow violin";
/// Added to every call of the pretend Instagram: a real network's round trip.
const LATENCY_MS: u64 = 50;
/// Calls in flight: the refresh policy's default (`RefreshPolicy::max_concurrency`).
const CONCURRENCY: f64 = 4.0;
/// Linux's `CLK_TCK`.
const TICKS_PER_SEC: f64 = 100.0;

struct Run {
    right_states_ms: f64,
    check_ms: f64,
    check_cpu_s: f64,
    /// Of which WebKit's processes (the page).
    page_cpu_s: f64,
    pss_mb: f64,
    keystroke_ms: f64,
    /// The same keystroke while the check of every account runs: the window stays usable.
    busy_keystroke_ms: f64,
    /// The slowest of the app's tray rebuilds after the check (its log's `tray rebuilt`).
    tray_rebuild_ms: f64,
}

/// In the page: press Enter's button, then watch frames until every row shows an unlocked
/// state; the time to the frame after (the one that painted it).
const UNLOCK_TO_RIGHT_STATES: &str = r#"
  const [n, done] = [arguments[0], arguments[arguments.length - 1]];
  const t0 = performance.now();
  document.querySelector('[data-testid=unlock-submit]').click();
  const frame = () => {
    // The list draws a page of 20 rows at a time (`ui/…/paged-list.tsx`).
    const rows = document.querySelectorAll('[data-testid=account-row]');
    const right = document.querySelector('[data-testid=lock]') && rows.length === Math.min(n, 20) &&
      !document.querySelector('[data-testid=account-row][data-status=locked]');
    if (right) requestAnimationFrame(() => done(performance.now() - t0));
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
"#;

/// In the page: empty the search again.
const CLEAR_SEARCH: &str = r#"
  const input = document.querySelector('[data-testid=account-search]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  setter.call(input, '');
  input.dispatchEvent(new Event('input', { bubbles: true }));
"#;

/// In the page: type one character into the empty search, then wait for the list to show
/// only the account it finds; the time to the frame that painted it.
const KEYSTROKE_TO_LIST: &str = r#"
  const done = arguments[arguments.length - 1];
  const input = document.querySelector('[data-testid=account-search]');
  input.focus();
  const t0 = performance.now();
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  setter.call(input, 'p');
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const frame = () => {
    if (document.querySelectorAll('[data-testid=account-row]').length === 1)
      requestAnimationFrame(() => done(performance.now() - t0));
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
"#;

async fn one_run(n: usize) -> Run {
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::agency(n));
    let profile = profile.with_env("EVERGREEN_LOG", "info,evergreen_app::tray=debug");
    let app = Session::start_with(profile, &[]).await;
    app.client()
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(120)),
            None,
            None,
        ))
        .await
        .expect("script timeout");
    app.find("[data-testid=unlock-vault]").await;
    Sandbox::of_app(&app).await.latency(LATENCY_MS).await;
    app.go("/settings/integrations").await;
    app.type_into("[data-testid=unlock-vault] [data-testid=passphrase]", PASS).await;
    let pid = app_pid();
    let ticks = tree_ticks(pid);
    let page_ticks = web_ticks(pid);
    let right_states_ms = app
        .client()
        .execute_async(UNLOCK_TO_RIGHT_STATES, vec![json!(n)])
        .await
        .expect("unlocked list")
        .as_f64()
        .unwrap_or(f64::NAN);
    let busy_keystroke_ms = if n >= 6 {
        let ms = app.client().execute_async(KEYSTROKE_TO_LIST, vec![]).await.expect("search").as_f64();
        app.client().execute(CLEAR_SEARCH, vec![]).await.expect("cleared");
        ms.unwrap_or(f64::NAN)
    } else {
        f64::NAN
    };
    // The check takes about the network ideal: longer than the harness's usual patience.
    let patience = Duration::from_millis((n as f64 * LATENCY_MS as f64 / CONCURRENCY * 4.0) as u64 + 30_000);
    let waiting = Instant::now();
    while !std::fs::read_to_string(app.profile().app_log())
        .unwrap_or_default()
        .contains("every account checked after the unlock")
    {
        assert!(waiting.elapsed() < patience, "the check of {n} accounts did not end within {patience:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let check_cpu_s = tree_ticks(pid).saturating_sub(ticks) as f64 / TICKS_PER_SEC;
    let page_cpu_s = web_ticks(pid).saturating_sub(page_ticks) as f64 / TICKS_PER_SEC;
    let log = std::fs::read_to_string(app.profile().app_log()).unwrap_or_default();
    let check_ms = log
        .lines()
        .find(|l| l.contains("every account checked after the unlock"))
        .and_then(|l| l.split("took_ms=").nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    // Settled, as a person would look at it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pss_mb = tree_pss_kb(pid) as f64 / 1024.0;
    let keystroke_ms = if n >= 6 {
        app.client()
            .execute_async(KEYSTROKE_TO_LIST, vec![])
            .await
            .expect("search")
            .as_f64()
            .unwrap_or(f64::NAN)
    } else {
        f64::NAN
    };
    let log = std::fs::read_to_string(app.profile().app_log()).unwrap_or_default();
    let after_check = log.split("every account checked after the unlock").nth(1).unwrap_or_default();
    let tray_rebuild_ms = after_check
        .lines()
        .filter(|l| l.contains("tray rebuilt"))
        .filter_map(|l| l.split("took_us=").nth(1)?.split_whitespace().next()?.parse::<f64>().ok())
        .fold(f64::NAN, f64::max)
        / 1000.0;
    app.close().await;
    Run {
        right_states_ms,
        check_ms,
        check_cpu_s,
        page_cpu_s,
        pss_mb,
        keystroke_ms,
        busy_keystroke_ms,
        tray_rebuild_ms,
    }
}

/// CPU ticks of the tree's WebKit processes.
fn web_ticks(root: u32) -> u64 {
    evergreen_e2e::procs::tree(root)
        .into_iter()
        .filter(|(_, name)| name.starts_with("WebKit"))
        .map(|(pid, _)| evergreen_e2e::procs::ticks_of(pid))
        .sum()
}

/// How long the tray's model takes for `n` accounts (the pure part of a rebuild).
fn tray_model_us(n: usize) -> f64 {
    let now = chrono::Utc::now();
    let views: Vec<AccountView> = seed::agency(n)
        .into_iter()
        .map(|s| AccountView {
            account: Account {
                network: evergreen_core::account::Network::Instagram,
                id: AccountId::new(),
                network_user_id: s.username.clone(),
                app_scoped_id: None,
                username: s.username,
                account_type: AccountType::Business,
                profile_picture_url: None,
                status: s.status,
                status_reason: None,
                token_expires_at: now + chrono::Duration::hours(s.left_hours),
                token_refreshed_at: now,
                last_validated_at: None,
                next_refresh_at: None,
                created_at: now,
                updated_at: now,
                refresh_failures: 0,
                failing_since: None,
            },
            status: DisplayStatus::Stored(s.status),
            label: None,
        })
        .collect();
    let active = views.last().map(|v| v.account.id);
    let rounds = 200;
    let began = Instant::now();
    let mut items = 0;
    for _ in 0..rounds {
        items +=
            evergreen_core::tray::model(&views, active, evergreen_core::vault::VaultState::Unlocked, 0, now)
                .items
                .len();
    }
    assert!(items > 0);
    began.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
}

/// The median of the finite values (NaN when there are none).
fn median(values: &[f64]) -> f64 {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return f64::NAN;
    }
    finite.sort_by(f64::total_cmp);
    let half = finite.len() / 2;
    if finite.len().is_multiple_of(2) { (finite[half - 1] + finite[half]) / 2.0 } else { finite[half] }
}

/// `median (min–max)` of the runs, or the one value.
fn range(values: &[f64], digits: usize) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return "—".into();
    }
    let (min, max) = finite.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let mid = median(&finite);
    if finite.len() == 1 || (max - min).abs() < f64::EPSILON {
        format!("{mid:.digits$}")
    } else {
        format!("{mid:.digits$} ({min:.digits$}–{max:.digits$})")
    }
}

/// The issue's goals, from the medians of the sizes that ran.
struct Medians {
    right_states_ms: f64,
    check_ms: f64,
    ideal_ms: f64,
    check_cpu_s: f64,
    pss_mb: f64,
    keystroke_ms: f64,
}

fn goals(by_size: &std::collections::BTreeMap<usize, Medians>) {
    let mut lines = Vec::new();
    if let (Some(four), Some(five)) = (by_size.get(&4), by_size.get(&500)) {
        lines.push(format!(
            "Enter → right states, 500 ÷ 4 = {:.0} ÷ {:.0} = {:.2} (≤ 1.2)",
            five.right_states_ms,
            four.right_states_ms,
            five.right_states_ms / four.right_states_ms
        ));
        lines.push(format!(
            "window-open PSS, 500 ÷ 4 = {:.0} ÷ {:.0} MB = {:.2} (≤ 1.1)",
            five.pss_mb,
            four.pss_mb,
            five.pss_mb / four.pss_mb
        ));
    }
    if let Some(five) = by_size.get(&500) {
        lines.push(format!(
            "check of 500 = {:.2} × the network ideal (≤ 2) with {:.2} CPU-s (≤ 5)",
            five.check_ms / five.ideal_ms,
            five.check_cpu_s
        ));
    }
    if let Some(most) = by_size.get(&2000) {
        lines.push(format!("keystroke → list painted at 2,000 = {:.0} ms (≤ 50)", most.keystroke_ms));
    }
    if !lines.is_empty() {
        println!("\ngoals, medians of the runs: {}", lines.join("; "));
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(3, |r| r.parse().expect("RUNS is a number"));
    let sizes: Vec<usize> = {
        let given: Vec<usize> = args.map(|s| s.parse().expect("a size")).collect();
        if given.is_empty() { vec![4, 100, 500, 2000] } else { given }
    };
    println!(
        "runs: {runs} per size; pretend Instagram latency {LATENCY_MS} ms per call; app: {}",
        evergreen_e2e::app_binary().display()
    );
    println!(
        "| accounts | Enter → right states painted | → check finished | network ideal | check CPU-s, whole tree; of it, WebKit | window-open PSS | keystroke → list painted; during the check | tray model | tray rebuild (slowest after the check) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut by_size = std::collections::BTreeMap::new();
    for n in sizes {
        let mut all = Vec::new();
        for _ in 0..runs {
            all.push(one_run(n).await);
        }
        let pick = |f: fn(&Run) -> f64| all.iter().map(f).collect::<Vec<_>>();
        // The check is one `/me` per account, `CONCURRENCY` at a time.
        let ideal_ms = n as f64 * LATENCY_MS as f64 / CONCURRENCY;
        println!(
            "| {n} | {} ms | {} ms | {:.0} ms | {}; {} | {} MB | {} ms; {} ms | {:.0} µs | {} ms |",
            range(&pick(|r| r.right_states_ms), 0),
            range(&pick(|r| r.check_ms), 0),
            ideal_ms,
            range(&pick(|r| r.check_cpu_s), 2),
            range(&pick(|r| r.page_cpu_s), 2),
            range(&pick(|r| r.pss_mb), 0),
            range(&pick(|r| r.keystroke_ms), 0),
            range(&pick(|r| r.busy_keystroke_ms), 0),
            tray_model_us(n),
            range(&pick(|r| r.tray_rebuild_ms), 1),
        );
        by_size.insert(
            n,
            Medians {
                right_states_ms: median(&pick(|r| r.right_states_ms)),
                check_ms: median(&pick(|r| r.check_ms)),
                ideal_ms,
                check_cpu_s: median(&pick(|r| r.check_cpu_s)),
                pss_mb: median(&pick(|r| r.pss_mb)),
                keystroke_ms: median(&pick(|r| r.keystroke_ms)),
            },
        );
    }
    goals(&by_size);
}
