//! A real login keyring on the test's session bus: Debian's `gnome-keyring-daemon`, with its
//! files in a temp dir, replacing any other for the test's length. What the app finds at a
//! login start.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use evergreen_core::keyring::{LoginKeyring as _, SecretService, VaultId, WrappingKey};
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{Passphrase, StrongholdVault, TokenVault};
use tempfile::TempDir;

use crate::UI_TIMEOUT;

/// The running keyring daemon, stopped when dropped.
pub struct LoginKeyring {
    child: Child,
    _dir: TempDir,
}

impl LoginKeyring {
    /// Start it, its login collection unlocked as PAM does at a graphical login.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new().prefix("evergreen-keyring-").tempdir().expect("temp dir");
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--replace", "--foreground", "--components=secrets", "--unlock"])
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (Debian: apt-get install gnome-keyring)");
        child.stdin.take().expect("stdin").write_all(b"login password").expect("password");
        let keyring = Self { child, _dir: dir };
        let started = Instant::now();
        while !keyring.owns_the_name() {
            assert!(started.elapsed() < UI_TIMEOUT, "the keyring took the Secret Service name");
            std::thread::sleep(Duration::from_millis(50));
        }
        keyring
    }

    fn owns_the_name(&self) -> bool {
        let out = Command::new("gdbus")
            .args([
                "call",
                "--session",
                "--dest",
                "org.freedesktop.DBus",
                "--object-path",
                "/org/freedesktop/DBus",
            ])
            .args(["--method", "org.freedesktop.DBus.NameHasOwner", "org.freedesktop.secrets"])
            .output()
            .expect("gdbus");
        String::from_utf8_lossy(&out.stdout).contains("true")
    }

    /// Lock the login collection, as "Lock keyring" in Passwords and Keys does.
    pub fn lock(&self) {
        let out = Command::new("gdbus")
            .args(["call", "--session", "--dest", "org.freedesktop.secrets", "--object-path"])
            .args(["/org/freedesktop/secrets", "--method", "org.freedesktop.Secret.Service.Lock"])
            .arg("['/org/freedesktop/secrets/collection/login']")
            .output()
            .expect("gdbus");
        assert!(out.status.success(), "locked: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Turn automatic unlock on for the vault in `dir`, as Settings does: the data key wrapped
    /// under a new key, and that key kept in this keyring.
    pub async fn enable_for(&self, dir: &std::path::Path, passphrase: &str) {
        let (vault_id, key) = (VaultId::generate(), WrappingKey::generate());
        StrongholdVault::new(&DataDir::new(dir))
            .add_keyring_wrap(&Passphrase::new(passphrase.into()), &vault_id, &key)
            .expect("the wrap");
        SecretService::session().store(&vault_id, &key).await.expect("the keyring keeps the key");
    }
}

impl Drop for LoginKeyring {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
