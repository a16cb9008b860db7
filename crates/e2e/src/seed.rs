//! Profiles prepared on disk with the product's own libraries, so a test or the screenshot
//! tool can show states that take days to reach (an expiring token, a revoked one) at once.

use chrono::{Duration, Utc};
use evergreen_core::account::{Account, AccountId, AccountStatus, AccountType, Network};
use evergreen_core::paths::DataDir;
use evergreen_core::store::Store;
use evergreen_core::vault::{Passphrase, StrongholdVault, TokenRecord, TokenVault, VaultChange};
use evergreen_instagram::AccessToken;
use evergreen_sandbox::world::TokenKind;
use evergreen_sandbox::{AccountType as SandboxType, SandboxClock, World, demo_app};

/// One seeded account: who, and the state Evergreen last saw it in.
pub struct Seed {
    /// The network it is on.
    pub network: Network,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Stored status.
    pub status: AccountStatus,
    /// Stored reason.
    pub reason: Option<&'static str>,
    /// Token age, seconds.
    pub age_secs: i64,
    /// Token life left, hours.
    pub left_hours: i64,
    /// Put the sandbox account behind a checkpoint.
    pub checkpoint: bool,
    /// Revoke the sandbox token with this subcode.
    pub revoked: Option<i64>,
}

/// One healthy account whose token comes due for renewal `in_secs` from now.
pub fn due_soon(in_secs: i64) -> Vec<Seed> {
    vec![Seed {
        network: Network::Instagram,
        username: "evergreen.shop".into(),
        name: "Evergreen Shop".into(),
        status: AccountStatus::Connected,
        reason: None,
        age_secs: 48 * 3600 - in_secs,
        left_hours: 58 * 24,
        checkpoint: false,
        revoked: None,
    }]
}

/// An Instagram account and a Threads profile (`harbour.cafe`), both due for renewal
/// `in_secs` from now.
pub fn due_soon_on_both(in_secs: i64) -> Vec<Seed> {
    let mut seeds = due_soon(in_secs);
    seeds.push(Seed {
        network: Network::Threads,
        username: "harbour.cafe".into(),
        name: "Harbour Cafe".into(),
        ..due_soon(in_secs).remove(0)
    });
    seeds
}

/// Accounts in every state the card shows after an unlock.
pub fn every_state() -> Vec<Seed> {
    vec![
        Seed {
            network: Network::Instagram,
            username: "evergreen.shop".into(),
            name: "Evergreen Shop".into(),
            status: AccountStatus::Connected,
            reason: None,
            age_secs: 30 * 3600,
            left_hours: 59 * 24 - 6,
            checkpoint: false,
            revoked: None,
        },
        Seed {
            network: Network::Instagram,
            username: "harbour.cafe".into(),
            name: "Harbour Café".into(),
            status: AccountStatus::Expiring,
            reason: None,
            age_secs: 2 * 3600,
            left_hours: 5 * 24 + 3,
            checkpoint: false,
            revoked: None,
        },
        Seed {
            network: Network::Instagram,
            username: "studio.ama".into(),
            name: "Studio Ama".into(),
            status: AccountStatus::NeedsInstagramLogin,
            reason: Some("checkpoint"),
            age_secs: 40 * 3600,
            left_hours: 50 * 24,
            checkpoint: true,
            revoked: None,
        },
        Seed {
            network: Network::Instagram,
            username: "old.brand".into(),
            name: "Old Brand".into(),
            status: AccountStatus::NeedsReconnect,
            reason: Some("password_changed"),
            age_secs: 90 * 3600,
            left_hours: 40 * 24,
            checkpoint: false,
            revoked: Some(460),
        },
    ]
}

/// An agency's `n` accounts in the mix of the *Hundreds of accounts* issue (of 500: 452
/// connected, 25 expiring, 14 needing a reconnect, 9 an Instagram login; scaled for other
/// sizes), named `client.000`…, with `pepper.salon` in the middle to be found.
pub fn agency(n: usize) -> Vec<Seed> {
    let share = |of_500: usize| (n * of_500).div_ceil(500);
    let (expiring, reconnect, login) = (share(25), share(14), share(9));
    (0..n)
        .map(|i| {
            let (status, reason, left_hours, checkpoint, revoked) = if i < reconnect {
                (AccountStatus::NeedsReconnect, Some("password_changed"), 40 * 24, false, Some(460))
            } else if i < reconnect + login {
                (AccountStatus::NeedsInstagramLogin, Some("checkpoint"), 50 * 24, true, None)
            } else if i < reconnect + login + expiring {
                (AccountStatus::Expiring, None, 5 * 24 + 3, false, None)
            } else {
                (AccountStatus::Connected, None, 59 * 24 - 6, false, None)
            };
            let username = if i == n / 2 { "pepper.salon".to_string() } else { format!("client.{i:03}") };
            Seed {
                network: Network::Instagram,
                name: format!("Client {i}"),
                username,
                status,
                reason,
                // Renewed a day ago: nothing is due while a test looks.
                age_secs: 24 * 3600,
                left_hours,
                checkpoint,
                revoked,
            }
        })
        .collect()
}

/// Write a vault (product key derivation, `passphrase`), the metadata and the demo's pretend
/// networks' state into the empty data directory `dir`.
pub fn profile(dir: &std::path::Path, passphrase: &str, seeds: &[Seed]) {
    let data = DataDir::new(dir);
    // Written once at the end: a world persisted from the start writes itself out at every
    // change, which for an agency's thousands of accounts is quadratic.
    let world = World::new(SandboxClock::system(), demo_app(vec![]));
    let vault = StrongholdVault::new(&data);
    vault.create(&Passphrase::new(passphrase.into())).expect("vault");
    let store = Store::open(&data.metadata_db()).expect("store");
    let now = Utc::now();
    let mut puts = Vec::new();
    let mut accounts = Vec::new();
    for seed in seeds {
        let (remote, scope) = match seed.network {
            Network::Instagram => (
                world.create_account(&seed.username, &seed.name, SandboxType::Business, 4_200),
                "instagram_business_basic",
            ),
            Network::Threads => (world.create_threads_account(&seed.username, &seed.name), "threads_basic"),
        };
        // Issued as long ago as the seed says, by the pretend network's clock too.
        world.clock.advance(-Duration::seconds(seed.age_secs));
        let (token, _) = world.issue_token(&remote.user_id, TokenKind::LongLived, vec![scope.into()]);
        world.clock.advance(Duration::seconds(seed.age_secs));
        if seed.checkpoint {
            world.update_account(&remote.user_id, |a| a.checkpoint = true);
        }
        if let Some(subcode) = seed.revoked {
            world.revoke(&remote.user_id, subcode);
        }
        let issued = now - Duration::seconds(seed.age_secs);
        let expires = now + Duration::hours(seed.left_hours);
        let id = AccountId::new();
        puts.push(VaultChange::Put(
            id,
            TokenRecord {
                network: seed.network,
                token: AccessToken::new(token),
                issued_at: issued,
                expires_at: expires,
            },
        ));
        let failing = matches!(seed.status, AccountStatus::Expiring);
        accounts.push(Account {
            id,
            network: seed.network,
            network_user_id: remote.user_id,
            app_scoped_id: None,
            username: seed.username.clone(),
            account_type: match seed.network {
                Network::Instagram => AccountType::Business,
                Network::Threads => AccountType::parse(""),
            },
            profile_picture_url: None,
            status: seed.status,
            status_reason: seed.reason.map(evergreen_core::account::StatusReason::parse),
            token_expires_at: expires,
            token_refreshed_at: issued,
            last_validated_at: Some(now - Duration::hours(1)),
            next_refresh_at: seed.status.is_alive().then(|| issued + Duration::hours(48)),
            created_at: issued,
            updated_at: now,
            refresh_failures: if failing { 9 } else { 0 },
            failing_since: failing.then(|| now - Duration::days(2)),
        });
    }
    let world = world.persisted_at(dir.join("demo-instagram.json")).expect("sandbox state");
    if let Some(last) = accounts.last() {
        world.update_account(&last.network_user_id, |_| {});
    }
    vault.apply(puts).expect("tokens");
    store
        .write(|w| {
            for a in &accounts {
                w.save_account(a)?;
            }
            Ok(())
        })
        .expect("accounts");
}
