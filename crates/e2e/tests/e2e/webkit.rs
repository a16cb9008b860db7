//! WebKit is loaded at its first call (`src-tauri/src/lazy_webkit.rs`), when Tauri's runtime
//! starts. One that cannot be loaded ends the start there, as the dynamic loader would have:
//! with the reason and what to do, exit code 1, and the profile untouched.

use std::time::{Duration, Instant};

use evergreen_e2e::{Profile, seed};

use crate::PASS;

#[tokio::test]
async fn a_webkit_that_cannot_be_loaded_ends_the_start_with_what_to_do() {
    // A damaged WebKit found first on the library path: `dlopen` refuses it ("file too short").
    let broken = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(broken.path().join("libwebkit2gtk-4.1.so.0"), b"").expect("write the damaged library");
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::due_soon(3600));
    let vault_before = std::fs::read(profile.path().join("vault.stronghold")).expect("a vault");
    let mut child = std::process::Command::new(evergreen_e2e::app_binary())
        .envs(profile.env())
        .env("LD_LIBRARY_PATH", broken.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the app starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the app") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the app did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("read stderr");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Evergreen cannot start: libwebkit2gtk-4.1.so.0 could not be loaded ("),
        "{stderr}"
    );
    assert!(stderr.contains("Reinstall Evergreen"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let vault_after =
        std::fs::read(profile.path().join("vault.stronghold")).expect("the vault is still there");
    assert!(vault_after == vault_before, "the vault was written by a start that could not go on");
}
