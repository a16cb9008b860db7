//! [`TokenVault`] on an IOTA Stronghold snapshot.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use chrono::{DateTime, Utc};
use iota_stronghold::{Client, KeyProvider, SnapshotPath, Stronghold};
use zeroize::Zeroizing;

use super::files::{remove_if_exists, remove_stale_temporaries, sibling, sync_dir, write_atomic};
use super::header::{DataKey, VaultHeader};
use super::records::{self, RecordKey};
use super::{DamagedPart, Error, KdfParams, Passphrase, TokenRecord, TokenVault, VaultChange, VaultState};
use crate::account::AccountId;
use crate::keyring::{VaultId, WrappingKey};
use crate::paths::DataDir;
use crate::paths::make_private;

/// A store value (a sealed record), wiped when dropped.
type SecretBytes = Zeroizing<Vec<u8>>;

/// The Stronghold client that holds every token record.
const CLIENT: &[u8] = b"evergreen";

/// The vault of one profile.
pub struct StrongholdVault {
    snapshot: PathBuf,
    header: PathBuf,
    kdf: KdfParams,
    open: Mutex<Option<Open>>,
    /// Held by every read-modify-write of the header, so two never interleave (a passphrase
    /// change and turning automatic unlock on, say).
    headers: Mutex<()>,
    saves: AtomicU64,
    failing_saves: FailNext,
}

/// A fault switch for a vault's saves: kept by a test or the simulation, which may hand the
/// vault itself to a core.
#[derive(Clone, Default)]
pub struct FailNext(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl FailNext {
    /// The next `n` saves fail as a full disk would, before anything is written.
    pub fn fail_next(&self, n: u32) {
        self.0.store(n, Ordering::SeqCst);
    }

    /// Saves still to fail.
    pub fn remaining(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    fn take(&self) -> bool {
        self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }
}

/// An unlocked vault: Stronghold's in-memory state, the data key, and the key that seals each
/// record (see `records.rs`).
struct Open {
    stronghold: Stronghold,
    client: Client,
    key: KeyProvider,
    records: RecordKey,
}

impl Open {
    fn new(stronghold: Stronghold, client: Client, data_key: &[u8]) -> Result<Self, Error> {
        let key = KeyProvider::try_from(Zeroizing::new(data_key.to_vec()))
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(Self { stronghold, client, key, records: RecordKey::derive(data_key) })
    }

    /// Seal every record again: opened with `from` (or read as clear legacy JSON), sealed
    /// with `to`. Every record is opened before any is replaced, so one that does not open
    /// leaves them all under `from`. (Only an insert failing halfway could mix the two: the
    /// caller locks then, and the disk is untouched.)
    fn reseal(&self, from: &RecordKey, to: &RecordKey) -> Result<(), Error> {
        let store = self.client.store();
        let internal = |e: iota_stronghold::ClientError| Error::Internal(e.to_string());
        let mut sealed = Vec::new();
        for name in store.keys().map_err(internal)? {
            let Some(value) = store.get(&name).map_err(internal)? else { continue };
            let value = Zeroizing::new(value);
            let clear = from.open(&name, &value).ok_or_else(unreadable)?;
            sealed.push((name.clone(), to.seal(&name, &clear)));
        }
        for (name, value) in sealed {
            let old = store.insert(name, value, None).map_err(internal)?;
            drop(old.map(Zeroizing::new));
        }
        Ok(())
    }

    fn has_legacy_records(&self) -> bool {
        let store = self.client.store();
        store.keys().unwrap_or_default().iter().any(|name| {
            store.get(name).ok().flatten().map(Zeroizing::new).is_some_and(|v| records::is_legacy(&v))
        })
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        // Take every value out of the store and wipe it (Stronghold would only free it), then
        // clear Stronghold's runtime state now rather than whenever the last Arc goes. The
        // record key wipes itself.
        let store = self.client.store();
        for name in store.keys().unwrap_or_default() {
            if let Ok(Some(value)) = store.delete(&name) {
                drop(Zeroizing::new(value));
            }
        }
        let _ = self.stronghold.clear();
    }
}

fn unreadable() -> Error {
    Error::Internal("a token record is unreadable".into())
}

/// Stronghold strengthens its key with scrypt (2^19, 512 MiB) on every save and load, as if
/// the key were a password. Ours is a random 256-bit data key that needs no strengthening
/// (the passphrase already went through Argon2id), so use the minimum: a save then costs
/// what encrypting the data costs. The setting is process-wide; we are its only user.
fn set_snapshot_work_factor() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = iota_stronghold::engine::snapshot::try_set_encrypt_work_factor(1);
    });
}

impl StrongholdVault {
    /// The vault of the profile in `dir`, with the product's key-derivation parameters.
    pub fn new(dir: &DataDir) -> Self {
        Self::with_kdf(dir, KdfParams::default())
    }

    /// The same with other Argon2id costs. For tests and benchmarks that must not spend
    /// 64 MiB per unlock; the product always uses [`KdfParams::default`].
    pub fn with_kdf(dir: &DataDir, kdf: KdfParams) -> Self {
        set_snapshot_work_factor();
        Self {
            snapshot: dir.vault_snapshot(),
            header: dir.vault_header(),
            kdf,
            open: Mutex::new(None),
            headers: Mutex::new(()),
            saves: AtomicU64::new(0),
            failing_saves: FailNext::default(),
        }
    }

    /// Fault injection, for the simulation and the tests of what a failed save does.
    pub fn save_faults(&self) -> FailNext {
        self.failing_saves.clone()
    }

    /// The same vault, its saves failing on `faults` (one switch across restarts).
    pub fn with_save_faults(mut self, faults: FailNext) -> Self {
        self.failing_saves = faults;
        self
    }

    /// Snapshot writes since this value was made: what grouping writes saves.
    pub fn saves(&self) -> u64 {
        self.saves.load(Ordering::Relaxed)
    }

    fn open(&self) -> MutexGuard<'_, Option<Open>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn headers(&self) -> MutexGuard<'_, ()> {
        self.headers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Open the snapshot with `key` (the header's key, however it was unwrapped): finishing an
    /// interrupted passphrase change, or saying what is damaged.
    fn open_snapshot(&self, key: &DataKey) -> Result<Open, Error> {
        remove_stale_temporaries(&self.snapshot)?;
        match Self::load(key, &self.snapshot) {
            Some(open) => {
                self.remove_stale_rotation();
                Ok(open)
            }
            None => self.finish_rotation(key)?.ok_or_else(|| Error::Damaged {
                part: DamagedPart::Snapshot,
                last_good: self.last_good(key),
            }),
        }
    }

    /// Keep a snapshot just opened as the unlocked vault, first sealing records written
    /// before records were sealed (in one save).
    fn keep_open(&self, open: Open) -> Result<(), Error> {
        if open.has_legacy_records() {
            open.reseal(&open.records, &open.records)?;
            self.save(&open)?;
        }
        *self.open() = Some(open);
        Ok(())
    }

    fn prev(&self) -> PathBuf {
        sibling(&self.snapshot, "prev")
    }

    fn header_prev(&self) -> PathBuf {
        sibling(&self.header, "prev")
    }

    /// A snapshot under a new data key, written before the header that names the key.
    fn rotated(&self) -> PathBuf {
        sibling(&self.snapshot, "rotated")
    }

    fn read_header(&self) -> Result<VaultHeader, Error> {
        match fs::read(&self.header) {
            Ok(bytes) => VaultHeader::parse(&bytes).map_err(|e| match e {
                Error::Damaged { part: DamagedPart::Header, .. } => Error::Damaged {
                    part: DamagedPart::Header,
                    last_good: self.last_good_header().map(|(_, at)| at),
                },
                other => other,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing),
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// The previous header, if it reads as one, and when it was written.
    fn last_good_header(&self) -> Option<(VaultHeader, DateTime<Utc>)> {
        let prev = self.header_prev();
        let header = VaultHeader::parse(&fs::read(&prev).ok()?).ok()?;
        let at = fs::metadata(&prev).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from)?;
        Some((header, at))
    }

    /// Replace the header durably, then keep a copy of it as `vault.json.prev`: a header
    /// damaged later (a bad sector, a stray edit) is restored from it. Only the header
    /// itself can fail the write: once it is on disk it is what unlocks the vault, and a
    /// copy that could not be kept must not make the caller believe otherwise.
    fn write_header(&self, header: &VaultHeader) -> Result<(), Error> {
        write_atomic(&self.header, &header.to_bytes())?;
        self.keep_header_copy();
        Ok(())
    }

    fn keep_header_copy(&self) {
        let prev = self.header_prev();
        if let Err(error) = keep_copy(&self.header, &prev).and_then(|()| Ok(sync_dir(&self.header)?)) {
            // A stale copy would name the wrong key or passphrase: better none.
            let _ = remove_if_exists(&prev);
            tracing::warn!(%error, "the vault header's spare copy could not be kept");
        }
    }

    /// A rotated snapshot left once the snapshot in place opens with the header's key is
    /// stale: the change that wrote it was finished, or its header never landed.
    fn remove_stale_rotation(&self) {
        if let Err(error) = remove_if_exists(&self.rotated()) {
            tracing::warn!(%error, "a finished passphrase change's snapshot could not be removed");
        }
    }

    /// Load the snapshot at `path` with `key`. Any failure (missing, truncated, flipped,
    /// not a snapshot, even a panic inside the decoder) is `None`: the caller decides it is
    /// damage, since the key itself was verified by the header.
    fn load(key: &DataKey, path: &Path) -> Option<Open> {
        if !path.is_file() {
            return None;
        }
        catch_unwind(AssertUnwindSafe(|| {
            let stronghold = Stronghold::default();
            let provider = KeyProvider::try_from(Zeroizing::new(key.to_vec())).ok()?;
            let client = stronghold
                .load_client_from_snapshot(CLIENT, &provider, &SnapshotPath::from_path(path))
                .ok()?;
            Open::new(stronghold, client, key).ok()
        }))
        .ok()
        .flatten()
    }

    /// When the last good copy was saved, if it opens with `key`.
    fn last_good(&self, key: &DataKey) -> Option<DateTime<Utc>> {
        let prev = self.prev();
        Self::load(key, &prev)?;
        fs::metadata(&prev).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from)
    }

    /// Write `open`'s state as the new snapshot, keeping the current one as the last good
    /// copy. See the module docs for why each step is where it is.
    fn save(&self, open: &Open) -> Result<(), Error> {
        if self.failing_saves.take() {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "no space left (injected)",
            )));
        }
        let internal = |e: iota_stronghold::ClientError| Error::Internal(e.to_string());
        open.stronghold.write_client(CLIENT).map_err(internal)?;
        let next = sibling(&self.snapshot, "next");
        remove_if_exists(&next)?;
        // Stronghold writes `next.<hex>`, fsyncs it and renames it to `next`.
        open.stronghold
            .commit_with_keyprovider(&SnapshotPath::from_path(&next), &open.key)
            .map_err(internal)?;
        if self.snapshot.exists() {
            let prev_tmp = sibling(&self.snapshot, "prev.tmp");
            remove_if_exists(&prev_tmp)?;
            if fs::hard_link(&self.snapshot, &prev_tmp).is_err() {
                fs::copy(&self.snapshot, &prev_tmp)?;
                fs::File::open(&prev_tmp)?.sync_all()?;
            }
            fs::rename(&prev_tmp, self.prev())?;
        }
        make_private(&next)?;
        fs::rename(&next, &self.snapshot)?;
        sync_dir(&self.snapshot)?;
        self.saves.fetch_add(1, Ordering::Relaxed);
        self.remove_stale_rotation();
        Ok(())
    }

    /// A passphrase change interrupted after its new header was written: the snapshot under
    /// the new key waits beside the old one. Put it in place if `key` opens it.
    fn finish_rotation(&self, key: &DataKey) -> Result<Option<Open>, Error> {
        let rotated = self.rotated();
        if Self::load(key, &rotated).is_none() {
            return Ok(None);
        }
        fs::rename(&rotated, &self.snapshot)?;
        keep_copy(&self.snapshot, &self.prev())?;
        sync_dir(&self.snapshot)?;
        Ok(Self::load(key, &self.snapshot))
    }

    fn key_of(account: &AccountId) -> Vec<u8> {
        account.to_string().into_bytes()
    }
}

impl TokenVault for StrongholdVault {
    fn state(&self) -> VaultState {
        if self.open().is_some() {
            VaultState::Unlocked
        } else if self.header.exists() {
            VaultState::Locked
        } else {
            VaultState::Missing
        }
    }

    fn create(&self, passphrase: &Passphrase) -> Result<(), Error> {
        if self.header.exists() {
            return Err(Error::AlreadyExists);
        }
        if !passphrase.is_strong_enough() {
            return Err(Error::WeakPassphrase);
        }
        if let Some(dir) = self.snapshot.parent() {
            fs::create_dir_all(dir)?;
        }
        // Leftovers of a creation that never finished (no header was written) hold nothing.
        remove_stale_temporaries(&self.snapshot)?;
        remove_if_exists(&self.snapshot)?;
        remove_if_exists(&self.prev())?;
        remove_if_exists(&self.rotated())?;
        remove_if_exists(&self.header_prev())?;

        let (header, key) = VaultHeader::create(passphrase, self.kdf)?;
        let stronghold = Stronghold::default();
        let client = stronghold.create_client(CLIENT).map_err(|e| Error::Internal(e.to_string()))?;
        let open = Open::new(stronghold, client, &key)?;
        self.save(&open)?;
        // The header's existence is what makes the vault exist: written last.
        self.write_header(&header)?;
        *self.open() = Some(open);
        Ok(())
    }

    fn unlock(&self, passphrase: &Passphrase) -> Result<(), Error> {
        let _headers = self.headers();
        let header = self.read_header()?;
        let key = header.unwrap_key(passphrase)?;
        let open = self.open_snapshot(&key)?;
        if header.kdf().weaker_than(&self.kdf) || header.is_legacy() {
            // The same key under a stronger wrap: either header unlocks, so an upgrade that
            // cannot be written is tried again at the next unlock rather than refusing this one.
            // The keyring's wrap is of the same key: it stays.
            let kdf = if header.kdf().weaker_than(&self.kdf) { self.kdf } else { header.kdf() };
            let upgraded = VaultHeader::wrap(&key, passphrase, kdf)?.with_keyring_wrap_of(&header);
            if let Err(error) = self.write_header(&upgraded) {
                tracing::warn!(%error, "the vault header could not be upgraded");
            }
        }
        self.keep_open(open)
    }

    fn lock(&self) {
        self.open().take();
    }

    fn restore_last_good(&self, passphrase: &Passphrase) -> Result<(), Error> {
        // The header first: the current one, or its last good copy if the current is damaged.
        let (header, restored_header) = match self.read_header() {
            Ok(header) => (header, false),
            Err(Error::Damaged { part: DamagedPart::Header, .. }) => {
                let (header, _) = self
                    .last_good_header()
                    .ok_or(Error::Damaged { part: DamagedPart::Header, last_good: None })?;
                (header, true)
            }
            Err(other) => return Err(other),
        };
        let key = header.unwrap_key(passphrase)?;
        if restored_header {
            set_aside(&self.header)?;
            write_atomic(&self.header, &header.to_bytes())?;
        }
        remove_stale_temporaries(&self.snapshot)?;
        // Never replace a snapshot that opens: restoring is only for damage.
        if let Some(open) = Self::load(&key, &self.snapshot) {
            *self.open() = Some(open);
            return Ok(());
        }
        if let Some(open) = self.finish_rotation(&key)? {
            *self.open() = Some(open);
            return Ok(());
        }
        let prev = self.prev();
        if Self::load(&key, &prev).is_none() {
            return Err(Error::Damaged { part: DamagedPart::Snapshot, last_good: None });
        }
        if self.snapshot.exists() {
            set_aside(&self.snapshot)?;
        }
        write_atomic(&self.snapshot, &fs::read(&prev)?)?;
        let open = Self::load(&key, &self.snapshot)
            .ok_or(Error::Damaged { part: DamagedPart::Snapshot, last_good: None })?;
        *self.open() = Some(open);
        Ok(())
    }

    fn change_passphrase(
        &self,
        current: &Passphrase,
        new: &Passphrase,
        keyring: Option<&WrappingKey>,
    ) -> Result<(), Error> {
        if !new.is_strong_enough() {
            return Err(Error::WeakPassphrase);
        }
        let _headers = self.headers();
        let old_header = fs::read(&self.header).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing,
            _ => Error::Io(e),
        })?;
        let header = self.read_header()?;
        let old_key = header.unwrap_key(current)?;
        let kdf = if header.kdf().weaker_than(&self.kdf) { self.kdf } else { header.kdf() };
        // A new data key too: whoever learned the old one (an old copy of the header and the
        // old passphrase) learns nothing of what is saved from now on.
        // The new key and its header before the vault's lock: the KDF takes a while, and every
        // reader of a token waits for that lock.
        let mut new_key = Zeroizing::new(vec![0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut new_key);
        let provider = KeyProvider::try_from(new_key.clone()).map_err(|e| Error::Internal(e.to_string()))?;
        let new_records = RecordKey::derive(&new_key);
        let mut new_header = VaultHeader::wrap(&new_key, new, kdf)?;
        // Automatic unlock stays on only with the keyring's key in hand, and only if it is the
        // one this vault names: the new data key is wrapped under it too.
        if let (Some(vault_id), Some(keyring)) = (header.keyring_vault_id(), keyring)
            && header.unwrap_with_keyring(keyring).is_ok_and(|k| *k == *old_key)
        {
            new_header = new_header.with_keyring_wrap(&new_key, &vault_id, keyring)?;
        }
        let mut guard = self.open();
        let loaded;
        let open = match guard.as_ref() {
            Some(open) => open,
            None => {
                loaded = Self::load(&old_key, &self.snapshot).ok_or(Error::Damaged {
                    part: DamagedPart::Snapshot,
                    last_good: self.last_good(&old_key),
                })?;
                &loaded
            }
        };
        let internal = |e: iota_stronghold::ClientError| Error::Internal(e.to_string());
        // 1. The snapshot under the new key, beside the current one, its records sealed anew.
        let rotated = self.rotated();
        remove_if_exists(&rotated)?;
        if let Err(error) = open.reseal(&open.records, &new_records) {
            // Memory may no longer match its key (see `reseal`): lock; nothing was written.
            guard.take();
            return Err(error);
        }
        let written = (|| {
            open.stronghold.write_client(CLIENT).map_err(internal)?;
            open.stronghold
                .commit_with_keyprovider(&SnapshotPath::from_path(&rotated), &provider)
                .map_err(internal)?;
            fs::File::open(&rotated)?.sync_all()?;
            make_private(&rotated)?;
            // 2. The header that names the new key: from here an interrupted change is
            //    finished at the next unlock (`finish_rotation`).
            Ok::<_, Error>(write_atomic(&self.header, &new_header.to_bytes())?)
        })();
        if let Err(error) = written {
            // Memory and disk must name the same key, or the next save is written under a key
            // no header unwraps. The old header back if the new one may have landed; if even
            // that fails, lock: the next unlock finds whichever header is there and its
            // snapshot (the current one, or the rotated one).
            let unchanged = fs::read(&self.header).is_ok_and(|bytes| bytes == old_header);
            if unchanged || write_atomic(&self.header, &old_header).is_ok() {
                if open.reseal(&new_records, &open.records).is_err() {
                    tracing::warn!("a failed passphrase change could not restore memory: vault locked");
                    guard.take();
                }
                let _ = remove_if_exists(&rotated);
            } else {
                tracing::warn!("a failed passphrase change left the header unknown: vault locked");
                guard.take();
            }
            return Err(error);
        }
        // The change is made: the new passphrase is what unlocks. Memory follows at once, so
        // every later save is under the new key whatever happens to the steps below.
        if let Some(open) = guard.as_mut() {
            open.key = provider;
            open.records = new_records;
        }
        self.keep_header_copy();
        // 3. The new snapshot in place; the last good copy is of it (the old key is gone).
        //    Should this fail, the next save or unlock finishes it.
        let placed = fs::rename(&rotated, &self.snapshot)
            .map_err(Error::Io)
            .and_then(|()| keep_copy(&self.snapshot, &self.prev()))
            .and_then(|()| Ok(sync_dir(&self.snapshot)?));
        if let Err(error) = placed {
            tracing::warn!(%error, "the new snapshot waits to be put in place");
        }
        Ok(())
    }

    fn keyring_vault_id(&self) -> Result<Option<VaultId>, Error> {
        Ok(self.read_header()?.keyring_vault_id())
    }

    fn keyring_vault_ids_on_disk(&self) -> Vec<VaultId> {
        let current = self.read_header().ok().and_then(|h| h.keyring_vault_id());
        let spare = self.last_good_header().and_then(|(h, _)| h.keyring_vault_id());
        let mut ids: Vec<VaultId> = current.into_iter().chain(spare).collect();
        ids.dedup();
        ids
    }

    fn add_keyring_wrap(
        &self,
        passphrase: &Passphrase,
        vault_id: &VaultId,
        key: &WrappingKey,
    ) -> Result<(), Error> {
        let _headers = self.headers();
        let header = self.read_header()?;
        let data_key = header.unwrap_key(passphrase)?;
        // A header of format 1 cannot carry the wrap under its checksum: rewrap it first, as
        // an unlock would.
        let header =
            if header.is_legacy() { VaultHeader::wrap(&data_key, passphrase, header.kdf())? } else { header };
        self.write_header(&header.with_keyring_wrap(&data_key, vault_id, key)?)
    }

    fn remove_keyring_wrap(&self) -> Result<Option<VaultId>, Error> {
        let _headers = self.headers();
        let header = self.read_header()?;
        let Some(vault_id) = header.keyring_vault_id() else { return Ok(None) };
        // `write_header` replaces the spare copy too, or removes it: no copy of the wrap stays.
        self.write_header(&header.without_keyring_wrap())?;
        Ok(Some(vault_id))
    }

    fn unlock_with_keyring(&self, key: &WrappingKey) -> Result<(), Error> {
        let _headers = self.headers();
        let header = self.read_header()?;
        let data_key = header.unwrap_with_keyring(key)?;
        let open = self.open_snapshot(&data_key)?;
        self.keep_open(open)
    }

    fn reset(&self) -> Result<(), Error> {
        self.lock();
        // The header goes first: from then on the vault does not exist, whatever follows.
        remove_if_exists(&self.header)?;
        remove_if_exists(&self.header_prev())?;
        remove_if_exists(&self.snapshot)?;
        remove_if_exists(&self.prev())?;
        remove_if_exists(&self.rotated())?;
        remove_stale_temporaries(&self.snapshot)?;
        remove_set_aside(&self.snapshot)?;
        remove_set_aside(&self.header)?;
        sync_dir(&self.snapshot)?;
        Ok(())
    }

    fn get(&self, account: &AccountId) -> Result<Option<TokenRecord>, Error> {
        let open = self.open();
        let open = open.as_ref().ok_or(Error::Locked)?;
        let name = Self::key_of(account);
        let bytes = open.client.store().get(&name).map_err(|e| Error::Internal(e.to_string()))?;
        bytes
            .map(|b| {
                let b = Zeroizing::new(b);
                let clear = open.records.open(&name, &b).ok_or_else(unreadable)?;
                serde_json::from_slice(&clear).map_err(|_| unreadable())
            })
            .transpose()
    }

    fn accounts(&self) -> Result<Vec<AccountId>, Error> {
        let open = self.open();
        let open = open.as_ref().ok_or(Error::Locked)?;
        let keys = open.client.store().keys().map_err(|e| Error::Internal(e.to_string()))?;
        Ok(keys.iter().filter_map(|k| std::str::from_utf8(k).ok()?.parse().ok()).collect())
    }

    fn apply(&self, changes: Vec<VaultChange>) -> Result<(), Error> {
        if changes.is_empty() {
            return Ok(());
        }
        let open = self.open();
        let open = open.as_ref().ok_or(Error::Locked)?;
        let store = open.client.store();
        let internal = |e: iota_stronghold::ClientError| Error::Internal(e.to_string());
        // What each key held before, to put back if the save fails: memory must never claim
        // more than the disk holds.
        let mut undo: Vec<(Vec<u8>, Option<SecretBytes>)> = Vec::with_capacity(changes.len());
        let mut result = Ok(());
        for change in &changes {
            let step = match change {
                VaultChange::Put(id, record) => {
                    let clear = Zeroizing::new(serde_json::to_vec(record).expect("records serialize"));
                    let name = Self::key_of(id);
                    let sealed = open.records.seal(&name, &clear);
                    store.insert(name.clone(), sealed, None).map(|old| (name, old))
                }
                VaultChange::Remove(id) => store.delete(&Self::key_of(id)).map(|old| (Self::key_of(id), old)),
            };
            match step {
                Ok((key, old)) => undo.push((key, old.map(Zeroizing::new))),
                Err(e) => {
                    result = Err(internal(e));
                    break;
                }
            }
        }
        if result.is_ok() {
            result = self.save(open);
        }
        if result.is_err() {
            for (key, old) in undo.into_iter().rev() {
                let _ = match old {
                    Some(value) => store.insert(key, value.to_vec(), None).map(|_| ()),
                    None => store.delete(&key).map(|_| ()),
                };
            }
        }
        result
    }
}

/// Keep `file`'s content as `copy`, atomically and durably. A real copy, not a hard link: the
/// two must not share the one inode that a damage would hit.
fn keep_copy(file: &Path, copy: &Path) -> Result<(), Error> {
    let tmp = sibling(copy, "tmp");
    remove_if_exists(&tmp)?;
    fs::copy(file, &tmp)?;
    fs::File::open(&tmp)?.sync_all()?;
    make_private(&tmp)?;
    fs::rename(&tmp, copy)?;
    Ok(())
}

/// Move a damaged file aside for whoever wants to look at it: numbered, never overwritten.
fn set_aside(file: &Path) -> Result<(), Error> {
    let aside = (1..)
        .map(|n| sibling(file, &format!("damaged-{n}")))
        .find(|p| !p.exists())
        .expect("some number is free");
    fs::rename(file, aside)?;
    Ok(())
}

/// Remove every file [`set_aside`] kept beside `file`.
fn remove_set_aside(file: &Path) -> Result<(), Error> {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return Ok(());
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!("{name}.damaged-");
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)) {
            remove_if_exists(&entry.path())?;
        }
    }
    Ok(())
}
