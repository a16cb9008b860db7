//! Where Evergreen keeps its files inside its data directory, and how private they are: the
//! directory is the user's alone (0700) and every file in it too (0600), as other credential
//! stores keep theirs.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

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
/// second copy of Evergreen, a tool) cannot open the same profile meanwhile.
#[derive(Debug)]
pub struct ProfileLock {
    _file: File,
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
        let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(self.lock_file())?;
        make_private(&self.lock_file())?;
        match file.try_lock() {
            Ok(()) => Ok(ProfileLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(ClaimError::InUse),
            Err(fs::TryLockError::Error(e)) => Err(ClaimError::Io(e)),
        }
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
}
