//! WebKit is loaded at its first call (`src-tauri/src/lazy_webkit.rs`), when Tauri's runtime
//! starts. One that cannot be loaded ends the start there, as the dynamic loader would have:
//! with the reason and what to do, exit code 1 — and the profile as good as before, though the
//! vault was opening with the login keyring at the same moment.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use evergreen_e2e::keyring::LoginKeyring;
use evergreen_e2e::{Profile, Session, seed};

use crate::PASS;

/// The app started with a damaged WebKit; killed if the test ends first.
struct Start(Child);

impl Drop for Start {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_webkit_that_cannot_be_loaded_ends_the_start_with_what_to_do() {
    let keyring = LoginKeyring::start();
    // A damaged WebKit found first on the library path: `dlopen` refuses it ("file too short").
    let broken = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(broken.path().join("libwebkit2gtk-4.1.so.0"), b"").expect("write the damaged library");
    let profile = Profile::new();
    seed::profile(&profile.path(), PASS, &seed::due_soon(3600));
    keyring.enable_for(&profile.path(), PASS).await;
    let mut start = Start(
        Command::new(evergreen_e2e::app_binary())
            .envs(profile.env())
            .env("LD_LIBRARY_PATH", broken.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the app starts"),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = start.0.try_wait().expect("wait for the app") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the app did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut start.0.stderr.take().expect("piped"), &mut stderr)
        .expect("read stderr");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Evergreen cannot start: libwebkit2gtk-4.1.so.0 could not be loaded ("),
        "{stderr}"
    );
    assert!(stderr.contains("Reinstall Evergreen"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // With WebKit back, the same profile opens, unlocks by itself and shows its account as it
    // was: nothing the interrupted start was doing was left half done.
    let app = Session::start_with(profile, &[]).await;
    app.go("/settings/integrations").await;
    app.find("[data-testid=account-row][data-username='evergreen.shop'][data-status=connected]").await;
    app.close().await;
}
