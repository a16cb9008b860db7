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
use super::{DamagedPart, Error, KdfParams, Passphrase, TokenRecord, TokenVault, VaultChange, VaultState};
use crate::account::AccountId;
use crate::paths::DataDir;

/// A serialized token record, wiped when dropped.
type SecretBytes = Zeroizing<Vec<u8>>;

/// The Stronghold client that holds every token record.
const CLIENT: &[u8] = b"evergreen";

/// The vault of one profile.
pub struct StrongholdVault {
    snapshot: PathBuf,
    header: PathBuf,
    kdf: KdfParams,
    open: Mutex<Option<Open>>,
    saves: AtomicU64,
}

/// An unlocked vault: Stronghold's in-memory state and the data key.
struct Open {
    stronghold: Stronghold,
    client: Client,
    key: KeyProvider,
}

impl Drop for Open {
    fn drop(&mut self) {
        // Wipe Stronghold's runtime state now rather than whenever the last Arc goes.
        let _ = self.stronghold.clear();
    }
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
            saves: AtomicU64::new(0),
        }
    }

    /// Snapshot writes since this value was made: what grouping writes saves.
    pub fn saves(&self) -> u64 {
        self.saves.load(Ordering::Relaxed)
    }

    fn open(&self) -> MutexGuard<'_, Option<Open>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn prev(&self) -> PathBuf {
        sibling(&self.snapshot, "prev")
    }

    fn read_header(&self) -> Result<VaultHeader, Error> {
        match fs::read(&self.header) {
            Ok(bytes) => VaultHeader::parse(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing),
            Err(e) => Err(Error::Io(e)),
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
            let key = KeyProvider::try_from(Zeroizing::new(key.to_vec())).ok()?;
            let client =
                stronghold.load_client_from_snapshot(CLIENT, &key, &SnapshotPath::from_path(path)).ok()?;
            Some(Open { stronghold, client, key })
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
        fs::rename(&next, &self.snapshot)?;
        sync_dir(&self.snapshot)?;
        self.saves.fetch_add(1, Ordering::Relaxed);
        Ok(())
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

        let (header, key) = VaultHeader::create(passphrase, self.kdf)?;
        let stronghold = Stronghold::default();
        let client = stronghold.create_client(CLIENT).map_err(|e| Error::Internal(e.to_string()))?;
        let key = KeyProvider::try_from(key).map_err(|e| Error::Internal(e.to_string()))?;
        let open = Open { stronghold, client, key };
        self.save(&open)?;
        // The header's existence is what makes the vault exist: written last.
        write_atomic(&self.header, &header.to_bytes())?;
        *self.open() = Some(open);
        Ok(())
    }

    fn unlock(&self, passphrase: &Passphrase) -> Result<(), Error> {
        let header = self.read_header()?;
        let key = header.unwrap_key(passphrase)?;
        remove_stale_temporaries(&self.snapshot)?;
        let open = Self::load(&key, &self.snapshot)
            .ok_or_else(|| Error::Damaged { part: DamagedPart::Snapshot, last_good: self.last_good(&key) })?;
        if header.kdf().weaker_than(&self.kdf) {
            let raised = VaultHeader::wrap(&key, passphrase, self.kdf)?;
            write_atomic(&self.header, &raised.to_bytes())?;
        }
        *self.open() = Some(open);
        Ok(())
    }

    fn lock(&self) {
        self.open().take();
    }

    fn restore_last_good(&self, passphrase: &Passphrase) -> Result<(), Error> {
        let header = self.read_header()?;
        let key = header.unwrap_key(passphrase)?;
        let prev = self.prev();
        if Self::load(&key, &prev).is_none() {
            return Err(Error::Damaged { part: DamagedPart::Snapshot, last_good: None });
        }
        if self.snapshot.exists() {
            // Kept for whoever wants to look at it; numbered, never overwritten.
            let aside = (1..)
                .map(|n| sibling(&self.snapshot, &format!("damaged-{n}")))
                .find(|p| !p.exists())
                .expect("some number is free");
            fs::rename(&self.snapshot, aside)?;
        }
        write_atomic(&self.snapshot, &fs::read(&prev)?)?;
        let open = Self::load(&key, &self.snapshot)
            .ok_or(Error::Damaged { part: DamagedPart::Snapshot, last_good: None })?;
        *self.open() = Some(open);
        Ok(())
    }

    fn change_passphrase(&self, current: &Passphrase, new: &Passphrase) -> Result<(), Error> {
        if !new.is_strong_enough() {
            return Err(Error::WeakPassphrase);
        }
        let header = self.read_header()?;
        let key = header.unwrap_key(current)?;
        let kdf = if header.kdf().weaker_than(&self.kdf) { self.kdf } else { header.kdf() };
        write_atomic(&self.header, &VaultHeader::wrap(&key, new, kdf)?.to_bytes())?;
        Ok(())
    }

    fn reset(&self) -> Result<(), Error> {
        self.lock();
        // The header goes first: from then on the vault does not exist, whatever follows.
        remove_if_exists(&self.header)?;
        remove_if_exists(&self.snapshot)?;
        remove_if_exists(&self.prev())?;
        remove_stale_temporaries(&self.snapshot)?;
        sync_dir(&self.snapshot)?;
        Ok(())
    }

    fn get(&self, account: &AccountId) -> Result<Option<TokenRecord>, Error> {
        let open = self.open();
        let open = open.as_ref().ok_or(Error::Locked)?;
        let bytes =
            open.client.store().get(&Self::key_of(account)).map_err(|e| Error::Internal(e.to_string()))?;
        bytes
            .map(|b| {
                let b = Zeroizing::new(b);
                serde_json::from_slice(&b).map_err(|_| Error::Internal("a token record is unreadable".into()))
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
                    let value = Zeroizing::new(serde_json::to_vec(record).expect("records serialize"));
                    store.insert(Self::key_of(id), value.to_vec(), None).map(|old| (Self::key_of(id), old))
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
