//! Where Evergreen keeps its files inside its data directory, and how private they are: the
//! directory is the user's alone (0700) and every file in it too (0600), as other credential
//! stores keep theirs.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, PoisonError};

const METADATA_DB: &str = "evergreen.sqlite3";
const LOCK_FILE: &str = "evergreen.lock";
const VAULT_HEADER: &str = "vault.json";
const VAULT_SNAPSHOT: &str = "vault.stronghold";
/// Demo mode's profile, inside the product's data directory: real and pretend data never mix.
pub const DEMO_PROFILE: &str = "demo";
/// What only a profile holds: a directory with one of them (or a demo profile holding one) is
/// Evergreen's to tighten.
const PROFILE_FILES: [&str; 4] = [METADATA_DB, LOCK_FILE, VAULT_HEADER, VAULT_SNAPSHOT];

/// Create `dir` (and its parents) if missing, and make it the user's alone. An existing
/// directory is tightened only when it is empty or already a profile: one given by mistake (a
/// home directory, `/tmp`) keeps its mode, and the files Evergreen writes are private anyway.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        return fs::DirBuilder::new().recursive(true).mode(0o700).create(dir);
    }
    let empty = fs::read_dir(dir)?.next().is_none();
    if empty || holds_profile(dir) || holds_profile(&dir.join(DEMO_PROFILE)) {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn holds_profile(dir: &Path) -> bool {
    PROFILE_FILES.iter().any(|name| dir.join(name).exists())
}

/// Make the file at `path` readable and writable by the user alone.
pub fn make_private(path: &Path) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

/// The data directory in use by this process: held until dropped. A second process (a
/// second copy of Evergreen, a tool) cannot open the same profile meanwhile, nor can this
/// process open it twice.
///
/// A POSIX record lock (`F_SETLK`), not `flock`: an `flock` belongs to the open file, which a
/// child forked by any thread (xdg-open, WebKit's processes) shares until it execs, so a
/// profile just given up could still be refused to the next claim. A record lock belongs to
/// the process and is never inherited; the price is that the kernel neither refuses a second
/// claim from this process nor keeps the lock once any descriptor of the file is closed,
/// which is what [`CLAIMED`] is for.
#[derive(Debug)]
pub struct ProfileLock {
    file: Option<File>,
    path: PathBuf,
}

/// The lock files this process holds, by canonical path.
static CLAIMED: LazyLock<Mutex<HashSet<PathBuf>>> = LazyLock::new(Mutex::default);

fn claimed() -> std::sync::MutexGuard<'static, HashSet<PathBuf>> {
    CLAIMED.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        // Closed before the path is given back: a claim made the moment after never has the
        // file open beside this one (closing either would drop the process's lock).
        drop(self.file.take());
        claimed().remove(&self.path);
    }
}

/// Why a profile could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Another process holds it.
    #[error("Another copy of Evergreen is already using this profile. Close it, or use that copy.")]
    InUse,
    /// The lock file could not be made.
    #[error("Evergreen couldn't open its data folder ({0}). Check that the disk has space and try again.")]
    Io(#[from] io::Error),
}

/// The data directory of one Evergreen profile (the product's, or demo mode's own).
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Use `root`; nothing is created until something is written.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The Stronghold snapshot holding every token.
    pub fn vault_snapshot(&self) -> PathBuf {
        self.root.join(VAULT_SNAPSHOT)
    }

    /// The vault's key-derivation parameters and salt (not secret).
    pub fn vault_header(&self) -> PathBuf {
        self.root.join(VAULT_HEADER)
    }

    /// The SQLite metadata database.
    pub fn metadata_db(&self) -> PathBuf {
        self.root.join(METADATA_DB)
    }

    /// The lock file that says which process uses the profile.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join(LOCK_FILE)
    }

    /// Claim the profile for this process (creating the directory, private, if needed).
    pub fn claim(&self) -> Result<ProfileLock, ClaimError> {
        create_private_dir(&self.root)?;
        let path = fs::canonicalize(&self.root)?.join(LOCK_FILE);
        let mut claimed = claimed();
        if claimed.contains(&path) {
            return Err(ClaimError::InUse);
        }
        let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        make_private(&path)?;
        match rustix::fs::fcntl_lock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            // POSIX allows either for a lock held elsewhere.
            Err(rustix::io::Errno::AGAIN | rustix::io::Errno::ACCESS) => return Err(ClaimError::InUse),
            Err(e) => return Err(ClaimError::Io(e.into())),
        }
        claimed.insert(path.clone());
        Ok(ProfileLock { file: Some(file), path })
    }

    /// Whether a vault has been created here.
    pub fn vault_exists(&self) -> bool {
        self.vault_header().exists()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn only_a_new_empty_or_profile_directory_is_made_private() {
        let parent = tempfile::tempdir().unwrap();
        let new = parent.path().join("a/b");
        create_private_dir(&new).unwrap();
        assert_eq!(mode(&new), 0o700, "created private");
        for (name, files, expected) in [
            ("empty", &[][..], 0o700),
            ("profile", &[METADATA_DB][..], 0o700),
            ("real beside demo", &["demo/evergreen.lock"][..], 0o700),
            ("home", &["notes.txt"][..], 0o755),
            ("home with a demo folder", &["demo/notes.txt"][..], 0o755),
        ] {
            let dir = parent.path().join(name);
            fs::create_dir(&dir).unwrap();
            for file in files {
                let path = dir.join(file);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, "").unwrap();
            }
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
            create_private_dir(&dir).unwrap();
            assert_eq!(mode(&dir), expected, "{name}");
        }
    }

    #[test]
    fn a_profile_given_up_is_free_at_once_while_other_threads_start_programs() {
        // A child forked by another thread shares the parent's open files until it execs:
        // with `flock`, the profile stayed claimed for that moment (found as a rare
        // `Profile(InUse)` in the simulation's quit and reopen, beside tests that spawn).
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spawned = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let spawner = {
            let (stop, spawned) = (stop.clone(), spawned.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::process::Command::new("true").status().unwrap();
                    spawned.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        };
        let mut refused = 0;
        let mut rounds = 0;
        while rounds < 2_000 || spawned.load(std::sync::atomic::Ordering::Relaxed) < 200 {
            match data.claim() {
                Ok(claim) => drop(claim),
                Err(ClaimError::InUse) => refused += 1,
                Err(e) => panic!("{e}"),
            }
            rounds += 1;
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        spawner.join().unwrap();
        assert_eq!(refused, 0, "claims refused just after being given up, in {rounds} rounds");
    }

    #[test]
    fn one_profile_is_claimed_once_in_a_process_whatever_its_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("profile");
        let held = DataDir::new(&root).claim().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        for spelling in [root.clone(), root.join("../profile"), link] {
            assert!(matches!(DataDir::new(&spelling).claim(), Err(ClaimError::InUse)), "{spelling:?}");
        }
        // The refused claims closed nothing of the holder's: another process is kept out.
        assert_eq!(claim_in_another_process(&root), "refused");
        drop(held);
        assert_eq!(claim_in_another_process(&root), "claimed");
        DataDir::new(&root).claim().unwrap();
    }

    const CLAIM_CHILD: &str = "EVERGREEN_TEST_CLAIM";

    /// What a claim of `root` by a child process says.
    fn claim_in_another_process(root: &Path) -> String {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "paths::tests::claim_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CLAIM_CHILD, root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        ["refused", "claimed"]
            .into_iter()
            .find(|w| stdout.contains(&format!("claim: {w}")))
            .unwrap_or("?")
            .into()
    }

    #[test]
    #[ignore = "child process of one_profile_is_claimed_once_in_a_process_whatever_its_spelling"]
    fn claim_child() {
        let root = std::env::var_os(CLAIM_CHILD).expect("run by the parent test");
        match DataDir::new(root).claim() {
            Ok(_) => println!("claim: claimed"),
            Err(ClaimError::InUse) => println!("claim: refused"),
            Err(e) => println!("claim: {e}"),
        }
    }
}
