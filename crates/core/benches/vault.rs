//! Vault unlock and save times by size, at the product's key-derivation parameters.
//!
//! `cargo bench -p evergreen-core --bench vault`
//!
//! * `unlock/N`: Argon2id (64 MiB, t=3, p=4) + unwrap + load of a vault of N accounts
//!   (then lock, which is free).
//! * `keyring_unlock/N`: the same vault opened with the login keyring's key (automatic unlock):
//!   an XChaCha20-Poly1305 unwrap instead of Argon2id, then the same load. The keyring's D-Bus
//!   round trips are not in it (`unlock-at-start` in `crates/e2e` times a whole login start).
//! * `save/N`: one changed record in a vault of N accounts: a whole-snapshot rewrite
//!   (encrypt, write, fsync, rename, fsync the directory).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use evergreen_core::account::AccountId;
use evergreen_core::keyring::{VaultId, WrappingKey};
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{Passphrase, StrongholdVault, TokenRecord, TokenVault, VaultChange};
use evergreen_instagram::AccessToken;

const SIZES: [usize; 4] = [1, 100, 1_000, 10_000];

fn record(i: usize) -> TokenRecord {
    let issued = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    TokenRecord {
        network: evergreen_core::account::Network::Instagram,
        // Real long-lived tokens are about 180 characters.
        token: AccessToken::new(format!("IGAA{i:0>176}")),
        issued_at: issued,
        expires_at: issued + chrono::Duration::days(60),
    }
}

fn vault_of(size: usize) -> (tempfile::TempDir, StrongholdVault, Vec<AccountId>) {
    let dir = tempfile::tempdir().unwrap();
    let vault = StrongholdVault::new(&DataDir::new(dir.path()));
    vault.create(&Passphrase::new("correct horse battery staple".into())).unwrap();
    let ids: Vec<AccountId> = (0..size).map(|_| AccountId::new()).collect();
    vault.apply(ids.iter().enumerate().map(|(i, id)| VaultChange::Put(*id, record(i))).collect()).unwrap();
    (dir, vault, ids)
}

fn bench(c: &mut Criterion) {
    let pass = Passphrase::new("correct horse battery staple".into());
    let mut unlock = c.benchmark_group("unlock");
    unlock.sample_size(10).measurement_time(Duration::from_secs(8));
    for size in SIZES {
        let (_dir, vault, _) = vault_of(size);
        vault.lock();
        unlock.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                vault.unlock(&pass).unwrap();
                vault.lock();
            })
        });
    }
    unlock.finish();

    let mut keyring = c.benchmark_group("keyring_unlock");
    keyring.sample_size(10).measurement_time(Duration::from_secs(8));
    for size in SIZES {
        let (_dir, vault, _) = vault_of(size);
        let key = WrappingKey::generate();
        vault.add_keyring_wrap(&pass, &VaultId::generate(), &key).unwrap();
        vault.lock();
        keyring.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                vault.unlock_with_keyring(&key).unwrap();
                vault.lock();
            })
        });
    }
    keyring.finish();

    let mut save = c.benchmark_group("save");
    save.sample_size(10).measurement_time(Duration::from_secs(8));
    for size in SIZES {
        let (_dir, vault, ids) = vault_of(size);
        let mut n = 0;
        save.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                n += 1;
                vault.apply(vec![VaultChange::Put(ids[0], record(n))]).unwrap();
            })
        });
    }
    save.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
