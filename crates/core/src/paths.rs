//! Where Evergreen keeps its files inside its data directory.

use std::path::{Path, PathBuf};

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
        self.root.join("vault.stronghold")
    }

    /// The vault's key-derivation parameters and salt (not secret).
    pub fn vault_header(&self) -> PathBuf {
        self.root.join("vault.json")
    }

    /// The SQLite metadata database.
    pub fn metadata_db(&self) -> PathBuf {
        self.root.join("evergreen.sqlite3")
    }

    /// Whether a vault has been created here.
    pub fn vault_exists(&self) -> bool {
        self.vault_header().exists()
    }
}
