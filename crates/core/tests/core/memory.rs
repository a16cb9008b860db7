//! After *Lock*, no token is left in the memory Evergreen owns. The "app" is this test binary
//! run again as a child process (`memory_child`): it unlocks, renews one account over HTTP
//! against this test's sandbox, locks, then reads its own memory (`/proc/self/mem`) for every
//! token-shaped string and counts those whose SHA-256 is one of the tokens it knew. It is told
//! only digests, never a token, so the scan finds what the product left behind.
//!
//! What the HTTP stack owns (reqwest's request URL, hyper's buffers) is outside our reach and
//! may keep a copy of the tokens that crossed it until the allocator reuses the memory:
//! SECURITY.md says so. A token that never crossed HTTP is Evergreen's alone: none may remain.

use std::process::Command;
use std::time::Duration;

use evergreen_core::clock::Clock;
use evergreen_core::paths::DataDir;
use evergreen_core::vault::TokenVault;
use evergreen_core::{Evergreen, ignore_changes};
use sha2::{Digest, Sha256};

use crate::support::{Fleet, NO_RELAY, PASS, cheap_vault, pass, setup};

const CHILD: &str = "EVERGREEN_MEMORY_CHILD";
/// The sandbox's tokens: `IGAA` and 90 random bytes in base64url (120 characters).
const TOKEN_LEN: usize = 124;

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every readable region of this process, scanned for `IGAA…` strings: the digest of each
/// found, with how many copies.
fn tokens_in_memory() -> std::collections::BTreeMap<String, usize> {
    use std::os::unix::fs::FileExt;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mem = std::fs::File::open("/proc/self/mem").unwrap();
    let mut found = std::collections::BTreeMap::new();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
        let path = fields.nth(3).unwrap_or("");
        if !perms.starts_with('r') || path.starts_with("[vvar") || path == "[vsyscall]" {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let (start, end) = (u64::from_str_radix(start, 16).unwrap(), u64::from_str_radix(end, 16).unwrap());
        // In chunks, each read on its own: a region that shrinks while it is read (the heap
        // trimmed by another thread) loses its tail, not the whole region.
        let mut region = vec![0u8; (end - start) as usize];
        for (i, chunk) in region.chunks_mut(64 * 1024).enumerate() {
            match mem.read_at(chunk, start + (i * 64 * 1024) as u64) {
                Ok(n) if n == chunk.len() => {}
                _ => chunk.fill(0),
            }
        }
        let mut at = 0;
        while let Some(offset) = region[at..].windows(4).position(|w| w == b"IGAA") {
            let begin = at + offset;
            if let Some(candidate) = region.get(begin..begin + TOKEN_LEN)
                && candidate.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            {
                *found.entry(digest(candidate)).or_insert(0) += 1;
            }
            at = begin + 1;
        }
        region.fill(0);
    }
    found
}

/// The token the child holds while it scans unlocked, built at run time.
fn planted_token() -> String {
    format!("IGAA{}", "P".repeat(TOKEN_LEN - 4))
}

/// The child: unlock, renew the one due account over HTTP, lock, scan, report digests.
#[test]
#[ignore = "the child process of no_token_of_ours_is_left_in_memory_after_lock"]
fn memory_child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let parts: Vec<&str> = spec.split('|').collect();
    let (dir, sandbox, now, due) = (parts[0], parts[1], parts[2], parts[3]);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let found = runtime.block_on(async {
        let clock = evergreen_core::clock::ManualClock::at(now.parse().unwrap());
        let mut setup = setup(&DataDir::new(dir), &clock, NO_RELAY, ignore_changes());
        setup.instagram = evergreen_instagram::Endpoints::single_host(&sandbox.parse().unwrap());
        setup.instagram_timeout = Some(Duration::from_secs(5));
        let core = Evergreen::open(setup).unwrap();
        core.unlock(pass(PASS)).await.unwrap();
        assert_eq!(core.refresh_now(due).await.unwrap().refreshed, 1);
        // A token held on purpose, to prove the scan sees one when there is one.
        let planted = evergreen_instagram::AccessToken::new(planted_token());
        let unlocked = tokens_in_memory();
        drop(planted);
        core.lock().await.unwrap();
        drop(core);
        let locked = tokens_in_memory();
        // The control: one bare reqwest GET carrying a token in its query, client dropped.
        let control = format!("IGAA{}", "C".repeat(TOKEN_LEN - 4));
        let client = reqwest::Client::new();
        let _ = client.get(format!("{sandbox}v23.0/me?fields=username&access_token={control}")).send().await;
        drop(client);
        drop(control);
        let mut locked = locked;
        let control_digest = digest(format!("IGAA{}", "C".repeat(TOKEN_LEN - 4)).as_bytes());
        let after_control = tokens_in_memory();
        locked.insert("control".into(), after_control.get(&control_digest).copied().unwrap_or(0));
        let ours = format!("IGAA{}", "D".repeat(TOKEN_LEN - 4));
        let ours_digest = digest(ours.as_bytes());
        {
            let client = evergreen_instagram::Client::new(evergreen_instagram::Endpoints::single_host(
                &sandbox.parse().unwrap(),
            ));
            let token = evergreen_instagram::AccessToken::new(ours);
            let _ = client.me(&token).await;
        }
        let bare = format!("IGAA{}", "E".repeat(TOKEN_LEN - 4));
        let bare_digest = digest(bare.as_bytes());
        drop(evergreen_instagram::AccessToken::new(bare));
        locked.insert("bare".into(), tokens_in_memory().get(&bare_digest).copied().unwrap_or(0));
        let after_ours = tokens_in_memory();
        locked.insert("ours".into(), after_ours.get(&ours_digest).copied().unwrap_or(0));
        (unlocked, locked)
    });
    let (unlocked, locked) = found;
    // A line of its own first: libtest prints the test's name before the first line.
    println!();
    for (digest, copies) in unlocked {
        println!("UNLOCKED {digest} {copies}");
    }
    for (digest, copies) in locked {
        println!("FOUND {digest} {copies}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_of_ours_is_left_in_memory_after_lock() {
    let mut fleet = Fleet::new().await;
    let quiet = fleet.connect("quiet").id;
    fleet.clock.advance(Duration::from_secs(49 * 3600));
    let due = fleet.connect("due").id;
    // 49 h more (the sandbox shares this clock): `due` is renewed; `quiet` is not due
    // before the child's "Refresh now" on `due` alone.
    fleet.clock.advance(Duration::from_secs(49 * 3600));
    let now = fleet.clock.now();
    fleet.release_profile().await;
    let vault = cheap_vault(&DataDir::new(fleet.dir.path()));
    let token_digest = |vault: &evergreen_core::vault::StrongholdVault, id| {
        vault.unlock(&pass(PASS)).unwrap();
        let d = digest(vault.get(&id).unwrap().unwrap().token.expose().as_bytes());
        vault.lock();
        d
    };
    let (quiet_digest, old_digest) = (token_digest(&vault, quiet), token_digest(&vault, due));
    let exe = std::env::current_exe().unwrap();
    let spec = format!("{}|{}|{}|{}", fleet.dir.path().display(), fleet.sandbox.url(), now.to_rfc3339(), due);
    let output = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .args(["--exact", "memory::memory_child", "--ignored", "--test-threads=1", "--nocapture"])
            .env(CHILD, spec)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "the child failed: {}", String::from_utf8_lossy(&output.stderr));
    let new_digest = token_digest(&vault, due);
    assert_ne!(new_digest, old_digest, "the child renewed it");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: std::collections::HashMap<&str, usize> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FOUND "))
        .filter_map(|l| l.split_once(' '))
        .map(|(d, n)| (d, n.parse().unwrap()))
        .collect();
    let copies = |d: &str| found.get(d).copied().unwrap_or(0);
    // The scan sees a token when there is one.
    let planted = digest(planted_token().as_bytes());
    assert!(
        stdout.lines().any(|l| l.starts_with(&format!("UNLOCKED {planted} "))),
        "the scan missed the token held on purpose: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!(
        "copies after lock: never sent {}, renewed (old, sent once) {}, renewed (new, received and sent once) {}; \
         a bare reqwest GET with a token in its URL leaves {}",
        copies(&quiet_digest),
        copies(&old_digest),
        copies(&new_digest),
        copies("control"),
    );
    println!("our client's /me with a token: {}; a dropped AccessToken: {}", copies("ours"), copies("bare"));
    assert_eq!(copies(&quiet_digest), 0, "a token that never left the vault left no copy behind");
    assert_eq!(copies("bare"), 0, "a dropped AccessToken leaves nothing");
}
