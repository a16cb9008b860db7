//! How long a login start takes to open the vault: the app started `--hidden` on a seeded
//! demo profile with automatic unlock on and a real, unlocked login keyring on the session
//! bus, timed from spawning the process to its log saying the vault opened with the keyring
//! (the log's own timestamps, on the same clock). Beside it, spawn to the profile opening
//! (`starting`), which is where a passphrase unlock would begin: the passphrase path is that
//! plus Argon2id (`cargo bench -p evergreen-core --bench vault`, `unlock/1`).
//!
//! `EVERGREEN_E2E_APP=target/release/evergreen dbus-run-session -- unlock-at-start [RUNS]`
//! (the app as the other harness tools take it; default 7 runs).

use std::time::Duration;

use chrono::{DateTime, Utc};
use evergreen_e2e::keyring::LoginKeyring;
use evergreen_e2e::{Background, Profile, seed};

const PASS: &str = "copper lantern meadow violin";

/// When the line with `needle` was logged.
fn logged_at(line: &str) -> DateTime<Utc> {
    let stamp = line.split_whitespace().next().expect("a timestamp first");
    DateTime::parse_from_rfc3339(stamp).expect("an RFC 3339 timestamp").with_timezone(&Utc)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args().nth(1).map_or(7, |n| n.parse().expect("RUNS is a number"));
    let app = evergreen_e2e::app_binary();
    let keyring = LoginKeyring::start();
    let (mut opened, mut unlocked) = (Vec::new(), Vec::new());
    // One discarded warm-up run: the first start in a session pays for the page cache.
    for run in 0..=runs {
        let mut profile = Profile::new();
        if std::env::var_os("UNLOCK_AT_START_LOG").is_some() {
            profile = profile.with_env("EVERGREEN_LOG", "debug");
        }
        seed::profile(&profile.path(), PASS, &seed::due_soon(3600));
        keyring.enable_for(&profile.path(), PASS).await;
        let spawned = Utc::now();
        let background = Background::start(profile, &["--hidden"]);
        let start = logged_at(&background.wait_for_log("starting data_dir").await);
        let open = logged_at(&background.wait_for_log("the vault opened with the login keyring").await);
        if std::env::var_os("UNLOCK_AT_START_LOG").is_some() {
            eprintln!("spawned {spawned:?}\n{}", background.log());
        }
        background.quit();
        if run == 0 {
            continue;
        }
        let ms = |at: DateTime<Utc>| (at - spawned).num_microseconds().unwrap_or(0) as f64 / 1000.0;
        opened.push(ms(start));
        unlocked.push(ms(open));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("runs: {runs} (after one warm-up), app: {}", app.display());
    println!(
        "spawn → profile opening (a passphrase unlock would start here): median {:.1} ms (min {:.1}, max {:.1})",
        median(opened.clone()),
        opened.iter().copied().fold(f64::INFINITY, f64::min),
        opened.iter().copied().fold(0.0, f64::max)
    );
    println!(
        "spawn → vault unlocked with the login keyring: median {:.1} ms (min {:.1}, max {:.1})",
        median(unlocked.clone()),
        unlocked.iter().copied().fold(f64::INFINITY, f64::min),
        unlocked.iter().copied().fold(0.0, f64::max)
    );
}
