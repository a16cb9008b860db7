//! The Stronghold vault on real files: round trips, failures, crash safety, leaks.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use evergreen_core::account::AccountId;
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{
    DamagedPart, Error, KdfParams, StrongholdVault, TokenVault, VaultChange, VaultState,
};
use rand::Rng;

use crate::support::{PASS, cheap_vault, hashes, pass, profile, record, t0};

#[test]
fn every_operation_round_trips() {
    let (_dir, data) = profile();
    let vault = cheap_vault(&data);
    assert_eq!(vault.state(), VaultState::Missing);
    assert!(matches!(vault.unlock(&pass(PASS)), Err(Error::Missing)));

    vault.create(&pass(PASS)).unwrap();
    assert_eq!(vault.state(), VaultState::Unlocked);
    let (a, b) = (AccountId::new(), AccountId::new());
    vault
        .apply(vec![
            VaultChange::Put(a, record("IGAA-token-a", t0())),
            VaultChange::Put(b, record("IGAA-token-b", t0())),
        ])
        .unwrap();
    assert_eq!(vault.get(&a).unwrap(), Some(record("IGAA-token-a", t0())));

    vault.lock();
    assert_eq!(vault.state(), VaultState::Locked);
    assert!(matches!(vault.get(&a), Err(Error::Locked)), "a locked vault reads nothing");

    let reopened = cheap_vault(&data);
    assert_eq!(reopened.state(), VaultState::Locked);
    reopened.unlock(&pass(PASS)).unwrap();
    assert_eq!(reopened.get(&b).unwrap(), Some(record("IGAA-token-b", t0())));
    let mut ids = reopened.accounts().unwrap();
    ids.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(ids, expected);

    reopened.apply(vec![VaultChange::Remove(a), VaultChange::Put(b, record("IGAA-b2", t0()))]).unwrap();
    reopened.lock();
    reopened.unlock(&pass(PASS)).unwrap();
    assert_eq!(reopened.get(&a).unwrap(), None);
    assert_eq!(reopened.get(&b).unwrap().unwrap().token.expose(), "IGAA-b2");
}

#[test]
fn creating_twice_or_with_a_short_passphrase_is_refused() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    assert!(matches!(vault.create(&pass("too short")), Err(Error::WeakPassphrase)));
    assert!(hashes(dir.path()).is_empty(), "a refused creation writes nothing");
    vault.create(&pass(PASS)).unwrap();
    assert!(matches!(vault.create(&pass(PASS)), Err(Error::AlreadyExists)));
}

#[test]
fn changing_the_passphrase_keeps_the_tokens() {
    let (_dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-keep-me", t0()))]).unwrap();

    assert!(matches!(
        vault.change_passphrase(&pass("not the passphrase"), &pass("a brand new passphrase"), None),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(vault.change_passphrase(&pass(PASS), &pass("short"), None), Err(Error::WeakPassphrase)));
    vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).unwrap();
    vault.lock();

    assert!(
        matches!(vault.unlock(&pass(PASS)), Err(Error::WrongPassphrase)),
        "the old one no longer opens it"
    );
    vault.unlock(&pass("a brand new passphrase")).unwrap();
    assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-keep-me");
}

#[test]
fn reset_erases_every_file_and_allows_a_new_vault() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-gone", t0()))]).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-gone-2", t0()))]).unwrap();
    vault.reset().unwrap();
    assert_eq!(vault.state(), VaultState::Missing);
    assert!(hashes(dir.path()).is_empty(), "nothing of the old vault is left: {:?}", hashes(dir.path()));
    vault.create(&pass("another passphrase entirely")).unwrap();
    assert!(vault.accounts().unwrap().is_empty());
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-x", t0()))]).unwrap();
    vault.lock();
    let before = hashes(dir.path());
    let error = vault.unlock(&pass("correct horse battery stapler")).unwrap_err();
    assert!(matches!(error, Error::WrongPassphrase));
    assert_eq!(error.to_string(), "That passphrase doesn't open this vault. Check it and try again.");
    assert_eq!(hashes(dir.path()), before, "not a byte changed");
    assert_eq!(vault.state(), VaultState::Locked);
}

/// Damage the snapshot in each way and check the error and that no file changed.
#[track_caller]
fn check_damage(damage: impl Fn(&[u8]) -> Vec<u8>, with_last_good: bool) {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-first", t0()))]).unwrap();
    if with_last_good {
        vault.apply(vec![VaultChange::Put(a, record("IGAA-second", t0()))]).unwrap();
    } else {
        fs::remove_file(data.vault_snapshot().with_extension("stronghold.prev")).unwrap();
    }
    vault.lock();
    let snapshot = data.vault_snapshot();
    let damaged = damage(&fs::read(&snapshot).unwrap());
    fs::write(&snapshot, damaged).unwrap();
    let before = hashes(dir.path());

    let error = vault.unlock(&pass(PASS)).unwrap_err();
    match (&error, with_last_good) {
        (Error::Damaged { part: DamagedPart::Snapshot, last_good: Some(_) }, true) => {
            assert!(error.to_string().starts_with("The vault file is damaged; your last good copy is from "));
        }
        (Error::Damaged { part: DamagedPart::Snapshot, last_good: None }, false) => {}
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(hashes(dir.path()), before, "a damaged vault is never written over");

    if with_last_good {
        vault.restore_last_good(&pass(PASS)).unwrap();
        assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-first", "the last good copy");
        assert!(dir.path().join("vault.stronghold.damaged-1").exists(), "the damaged file is kept aside");
    }
}

#[test]
fn damaged_snapshots_are_told_apart_from_a_wrong_passphrase() {
    for with_last_good in [true, false] {
        check_damage(|b| b[..b.len() / 2].to_vec(), with_last_good);
        check_damage(|_| Vec::new(), with_last_good);
        check_damage(
            |b| {
                let mut b = b.to_vec();
                let at = b.len() - 20;
                b[at] ^= 0x55;
                b
            },
            with_last_good,
        );
        check_damage(
            |b| {
                let mut b = b.to_vec();
                b[2] ^= 0xff;
                b
            },
            with_last_good,
        );
        check_damage(|_| b"{\"this\": \"is not a snapshot\"}".to_vec(), with_last_good);
        check_damage(|_| (0..4096).map(|i| (i * 7 % 251) as u8).collect(), with_last_good);
    }
}

#[test]
fn a_damaged_header_is_its_own_error_and_changes_nothing() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.lock();
    fs::write(data.vault_header(), b"{ not json").unwrap();
    let before = hashes(dir.path());
    assert!(matches!(vault.unlock(&pass(PASS)), Err(Error::Damaged { part: DamagedPart::Header, .. })));
    assert_eq!(hashes(dir.path()), before);
}

#[test]
fn product_kdf_is_recorded_and_weaker_vaults_are_raised_on_unlock() {
    let (_dir, data) = profile();
    cheap_vault(&data).create(&pass(PASS)).unwrap();
    let header =
        || -> serde_json::Value { serde_json::from_slice(&fs::read(data.vault_header()).unwrap()).unwrap() };
    assert_eq!(header()["kdf"], serde_json::json!({"memory_kib": 256, "iterations": 1, "parallelism": 1}));

    let product = StrongholdVault::new(&data);
    product.unlock(&pass(PASS)).unwrap();
    assert_eq!(
        header()["kdf"],
        serde_json::json!({"memory_kib": 65536, "iterations": 3, "parallelism": 4}),
        "unlocking with the product's parameters raises a weaker vault to them"
    );
    assert_eq!(KdfParams::default(), KdfParams { memory_kib: 65536, iterations: 3, parallelism: 4 });
    product.lock();
    product.unlock(&pass(PASS)).unwrap();
}

#[test]
fn tokens_are_not_in_clear_on_disk() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let token = "IGAAknownTokenValue0123456789";
    vault.apply(vec![VaultChange::Put(AccountId::new(), record(token, t0()))]).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAAother", t0()))]).unwrap();
    for entry in fs::read_dir(dir.path()).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "token in clear on disk");
        assert!(!bytes.windows(PASS.len()).any(|w| w == PASS.as_bytes()), "passphrase on disk");
    }
}

#[test]
fn stale_temporaries_of_a_killed_save_are_cleaned_at_unlock() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.lock();
    fs::write(dir.path().join("vault.stronghold.0123456789ab"), b"half a snapshot").unwrap();
    fs::write(dir.path().join("vault.stronghold.next"), b"a whole unrenamed one").unwrap();
    vault.unlock(&pass(PASS)).unwrap();
    assert!(!dir.path().join("vault.stronghold.0123456789ab").exists());
    assert!(!dir.path().join("vault.stronghold.next").exists());
}

const CRASH_DIR: &str = "EVERGREEN_CRASH_VAULT_DIR";
const ACCOUNTS: usize = 20;

fn generation_of(vault: &StrongholdVault) -> Option<u64> {
    let mut generations: Vec<u64> = vault
        .accounts()
        .unwrap()
        .iter()
        .map(|id| {
            let token = vault.get(id).unwrap().unwrap().token.expose().to_string();
            token.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    generations.dedup();
    assert_eq!(vault.accounts().unwrap().len(), ACCOUNTS, "no record lost or added");
    assert_eq!(generations.len(), 1, "every record from the same save: {generations:?}");
    generations.first().copied()
}

/// Not a test on its own: the child process `killed_saves_leave_the_old_or_the_new_content`
/// kills. It rewrites every record with a new generation, forever, saying which one it made
/// durable after each save (each on a line of its own: libtest prints the test's name first).
#[test]
#[ignore = "child process of killed_saves_leave_the_old_or_the_new_content"]
fn vault_writer_child() {
    let Some(dir) = std::env::var_os(CRASH_DIR) else { return };
    let data = evergreen_core::paths::DataDir::new(dir);
    let vault = cheap_vault(&data);
    vault.unlock(&pass(PASS)).unwrap();
    let ids = vault.accounts().unwrap();
    let mut generation = generation_of(&vault).unwrap();
    println!("\nready {generation}");
    loop {
        generation += 1;
        let changes = ids
            .iter()
            .map(|id| VaultChange::Put(*id, record(&format!("IGAA-{id}-{generation}"), t0())))
            .collect();
        println!("\nsaving {generation}");
        vault.apply(changes).unwrap();
        println!("\ncommitted {generation}");
    }
}

#[test]
fn killed_saves_leave_the_old_or_the_new_content() {
    let (dir, data) = profile();
    {
        let vault = cheap_vault(&data);
        vault.create(&pass(PASS)).unwrap();
        let changes = (0..ACCOUNTS)
            .map(|_| {
                let id = AccountId::new();
                VaultChange::Put(id, record(&format!("IGAA-{id}-0"), t0()))
            })
            .collect();
        vault.apply(changes).unwrap();
    }
    let mut rng = rand::rng();
    let mut interrupted_mid_save = 0;
    for round in 0..100 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "vault::vault_writer_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CRASH_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready =
            lines.by_ref().map(Result::unwrap).find(|l| l.starts_with("ready ")).expect("child ready");
        let durable: u64 = ready["ready ".len()..].parse().unwrap();
        // Let it commit a random number of saves, then kill it at a random point of the next:
        // it says when it starts one, and a save takes a few milliseconds.
        let saves = rng.random_range(1..6);
        let mut committed = durable;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(g) = line.strip_prefix("committed ") {
                committed = g.parse().unwrap();
            } else if let Some(g) = line.strip_prefix("saving ")
                && g.parse::<u64>().unwrap() % saves == 0
            {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_micros(rng.random_range(0..2000)));
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever it printed after our last read was durable too; the kill landed inside a
        // save when its last word was "saving".
        let mut last_reported = committed;
        let mut mid_save = true;
        for line in lines.map_while(Result::ok) {
            if let Some(g) = line.strip_prefix("committed ") {
                last_reported = g.parse().unwrap();
                mid_save = false;
            } else if line.starts_with("saving ") {
                mid_save = true;
            }
        }
        if mid_save {
            interrupted_mid_save += 1;
        }

        let vault = cheap_vault(&data);
        vault.unlock(&pass(PASS)).unwrap_or_else(|e| panic!("round {round}: the vault must open: {e:?}"));
        let found = generation_of(&vault).unwrap();
        assert!(
            found == last_reported || found == last_reported + 1,
            "round {round}: found generation {found}, last durable {last_reported}: old or new, never neither"
        );
    }
    eprintln!("{interrupted_mid_save} of 100 kills landed in the middle of a save");
    assert!(interrupted_mid_save > 0, "no kill interrupted a save: the test proves nothing");
}

#[test]
fn a_grouped_write_is_one_save() {
    let (_dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let before = vault.saves();
    let changes =
        (0..200).map(|i| VaultChange::Put(AccountId::new(), record(&format!("IGAA-{i}"), t0()))).collect();
    vault.apply(changes).unwrap();
    assert_eq!(vault.saves(), before + 1, "200 changes, one snapshot write");
    assert_eq!(vault.accounts().unwrap().len(), 200);
    vault.apply(Vec::new()).unwrap();
    assert_eq!(vault.saves(), before + 1, "nothing to write, nothing written");
}

/// Flip one character inside `vault.json`'s wrapped key.
fn flip_wrapped_key(path: &std::path::Path) {
    let mut header: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let wrapped = header["wrapped_key"].as_str().unwrap().to_string();
    let first = wrapped.chars().next().unwrap();
    let flipped = format!("{}{}", if first == 'A' { 'B' } else { 'A' }, &wrapped[first.len_utf8()..]);
    header["wrapped_key"] = serde_json::Value::String(flipped);
    fs::write(path, serde_json::to_vec_pretty(&header).unwrap()).unwrap();
}

#[test]
fn a_flipped_character_in_the_header_is_damage_not_a_wrong_passphrase_and_is_restored() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-keep", t0()))]).unwrap();
    vault.lock();
    flip_wrapped_key(&data.vault_header());
    let before = hashes(dir.path());
    let error = vault.unlock(&pass(PASS)).unwrap_err();
    assert!(
        matches!(error, Error::Damaged { part: DamagedPart::Header, last_good: Some(_) }),
        "the right passphrase is never blamed: {error:?}"
    );
    assert!(
        error.to_string().starts_with("The vault's settings file is damaged; your last good copy is from ")
    );
    assert_eq!(hashes(dir.path()), before, "nothing written");
    vault.restore_last_good(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-keep");
    assert!(dir.path().join("vault.json.damaged-1").exists(), "the damaged header is kept aside");
    vault.lock();
    vault.unlock(&pass(PASS)).unwrap();
}

#[test]
fn a_header_asking_argon2_for_terabytes_is_damage_and_nothing_is_allocated() {
    let (_dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.lock();
    let mut header: serde_json::Value =
        serde_json::from_slice(&fs::read(data.vault_header()).unwrap()).unwrap();
    header["kdf"]["memory_kib"] = serde_json::json!(u32::MAX);
    fs::write(data.vault_header(), serde_json::to_vec(&header).unwrap()).unwrap();
    assert!(matches!(vault.unlock(&pass(PASS)), Err(Error::Damaged { part: DamagedPart::Header, .. })));
}

#[test]
fn restoring_never_replaces_a_vault_that_opens() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-old", t0()))]).unwrap();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-new", t0()))]).unwrap();
    vault.lock();
    let before = hashes(dir.path());
    vault.restore_last_good(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-new", "not rolled back to the copy");
    assert_eq!(hashes(dir.path()), before);
}

#[test]
fn reset_also_removes_the_files_set_aside() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-1", t0()))]).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-2", t0()))]).unwrap();
    vault.lock();
    fs::write(data.vault_snapshot(), b"damaged").unwrap();
    vault.restore_last_good(&pass(PASS)).unwrap();
    assert!(dir.path().join("vault.stronghold.damaged-1").exists());
    vault.reset().unwrap();
    assert!(hashes(dir.path()).is_empty(), "{:?}", hashes(dir.path()));
}

#[test]
fn a_new_passphrase_brings_a_new_data_key() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-keep-me", t0()))]).unwrap();
    let old_header = fs::read(data.vault_header()).unwrap();
    vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).unwrap();
    // Unlocked throughout: later saves use the new key too.
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-later", t0()))]).unwrap();
    vault.lock();

    // The old header with the old passphrase opens nothing of the new vault.
    let (_copy_dir, copy) = profile();
    fs::write(copy.vault_header(), &old_header).unwrap();
    fs::copy(data.vault_snapshot(), copy.vault_snapshot()).unwrap();
    assert!(matches!(
        cheap_vault(&copy).unlock(&pass(PASS)),
        Err(Error::Damaged { part: DamagedPart::Snapshot, .. })
    ));
    vault.unlock(&pass("a brand new passphrase")).unwrap();
    assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-keep-me");
    assert_eq!(vault.accounts().unwrap().len(), 2);
    assert!(!dir.path().join("vault.stronghold.rotated").exists());
}

#[test]
fn a_passphrase_change_interrupted_after_its_header_is_finished_at_the_next_unlock() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-keep-me", t0()))]).unwrap();
    vault.lock();
    let old_snapshot = fs::read(data.vault_snapshot()).unwrap();
    vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).unwrap();
    // As if the process died between the header's rename and the snapshot's: the new
    // snapshot still waits beside the old one.
    fs::rename(data.vault_snapshot(), dir.path().join("vault.stronghold.rotated")).unwrap();
    fs::write(data.vault_snapshot(), old_snapshot).unwrap();
    vault.unlock(&pass("a brand new passphrase")).unwrap();
    assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-keep-me");
    assert!(!dir.path().join("vault.stronghold.rotated").exists());
}

/// Changes made after a passphrase change whose later, spare steps failed: they are saved
/// under the new key and the new passphrase opens them.
fn later_changes_survive(dir: &std::path::Path, data: &DataDir, vault: &StrongholdVault) {
    let later = AccountId::new();
    vault.apply(vec![VaultChange::Put(later, record("IGAA-later", t0()))]).unwrap();
    assert!(!dir.join("vault.stronghold.rotated").exists(), "a save finishes the rotation");
    vault.lock();
    let reopened = cheap_vault(data);
    reopened.unlock(&pass("a brand new passphrase")).unwrap();
    assert_eq!(reopened.get(&later).unwrap().unwrap().token.expose(), "IGAA-later");
    assert_eq!(reopened.accounts().unwrap().len(), 2);
}

#[test]
fn a_header_copy_that_cannot_be_kept_does_not_undo_a_passphrase_change() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-1", t0()))]).unwrap();
    // The spare copy's temporary cannot be made (a directory sits where it goes).
    let obstacle = dir.path().join("vault.json.prev.tmp");
    fs::create_dir(&obstacle).unwrap();
    fs::write(obstacle.join("x"), b"x").unwrap();
    vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).unwrap();
    assert!(!dir.path().join("vault.json.prev").exists(), "no spare copy naming the old key");
    later_changes_survive(dir.path(), &data, &vault);
}

#[test]
fn a_snapshot_that_cannot_be_put_in_place_does_not_undo_a_passphrase_change() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-1", t0()))]).unwrap();
    // Step 3 fails after the header: the last good copy's temporary cannot be made.
    let obstacle = dir.path().join("vault.stronghold.prev.tmp");
    fs::create_dir(&obstacle).unwrap();
    fs::write(obstacle.join("x"), b"x").unwrap();
    vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).unwrap();
    fs::remove_dir_all(&obstacle).unwrap();
    later_changes_survive(dir.path(), &data, &vault);
}

#[test]
fn a_passphrase_change_whose_header_cannot_be_written_changes_nothing() {
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    let a = AccountId::new();
    vault.apply(vec![VaultChange::Put(a, record("IGAA-1", t0()))]).unwrap();
    let obstacle = dir.path().join("vault.json.tmp");
    fs::create_dir(&obstacle).unwrap();
    fs::write(obstacle.join("x"), b"x").unwrap();
    assert!(vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).is_err());
    fs::remove_dir_all(&obstacle).unwrap();
    // Still open, still under the old key: later saves open with the old passphrase.
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-2", t0()))]).unwrap();
    assert!(!dir.path().join("vault.stronghold.rotated").exists());
    vault.lock();
    vault.unlock(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&a).unwrap().unwrap().token.expose(), "IGAA-1");
    assert_eq!(vault.accounts().unwrap().len(), 2);
}

#[test]
fn vault_files_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, data) = profile();
    let vault = cheap_vault(&data);
    vault.create(&pass(PASS)).unwrap();
    vault.apply(vec![VaultChange::Put(AccountId::new(), record("IGAA-1", t0()))]).unwrap();
    vault.change_passphrase(&pass(PASS), &pass("a brand new passphrase"), None).unwrap();
    for entry in fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
}
