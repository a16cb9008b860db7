//! Durable file writes: write beside, fsync, rename, fsync the directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Replace `path` with `contents` atomically and durably: a crash leaves either the old file
/// or the new one, never a mix, and once this returns the new one survives power loss.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, "tmp");
    let _ = fs::remove_file(&tmp);
    // The user's alone, like every file of the profile.
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    sync_dir(path)
}

/// Make renames and unlinks in `path`'s directory durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

/// `path` with `.suffix` appended (not replacing an extension).
pub fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".");
    name.push(suffix);
    name.into()
}

/// Remove a file if it exists.
pub fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Remove the temporary files a killed save leaves beside `path`: `<name>.<12 hex digits>`
/// (Stronghold's own) and our `<name>.tmp` / `<name>.next*` / `<name>.prev.tmp`.
pub fn remove_stale_temporaries(path: &Path) -> io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return Ok(());
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!("{name}.");
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Some(file) = entry.file_name().to_str().map(str::to_owned) else { continue };
        let Some(rest) = file.strip_prefix(&prefix) else { continue };
        let stronghold_tmp = rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_hexdigit());
        let ours = rest == "tmp" || rest == "prev.tmp" || rest.starts_with("next");
        if stronghold_tmp || ours {
            remove_if_exists(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(!sibling(&path, "tmp").exists(), "no temporary left behind");
    }

    #[test]
    fn stale_temporaries_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.stronghold");
        for name in [
            "vault.stronghold",
            "vault.stronghold.prev",
            "vault.stronghold.0a1b2c3d4e5f",
            "vault.stronghold.next",
            "vault.stronghold.next.00ff00ff00ff",
            "vault.stronghold.prev.tmp",
            "vault.stronghold.damaged-1",
            "vault.json",
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        remove_stale_temporaries(&path).unwrap();
        let mut left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["vault.json", "vault.stronghold", "vault.stronghold.damaged-1", "vault.stronghold.prev"]
        );
    }
}
