//! Handing memory back once the window is gone: Evergreen spends most of its life in the tray,
//! and what the page used should not stay resident all day. The work itself is Linux's
//! (`linux.rs`); this decides when.

#[cfg(target_os = "linux")]
mod linux;

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::window::MAIN;

/// Give WebKit this long to tear the page down before releasing what it left.
const SETTLE: Duration = Duration::from_secs(2);

/// What to hand back after the window closed.
#[derive(Debug, Clone, Copy)]
pub struct Release {
    /// End WebKit's network process (WebKit starts a new one when a window opens again). Off
    /// under automation, whose driver keeps talking to it.
    pub network_process: bool,
}

/// After the window was destroyed: end WebKit's network process (as `release` says), return
/// freed heap to the system, and let go of resident library pages.
pub fn release_after_close<R: Runtime>(app: &AppHandle<R>, release: Release) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        let handle = app.clone();
        // On the main thread: GTK, fonts and module loading (what maps and unmaps files) happen
        // there, so file mappings change as little as possible while they are walked.
        let _ = app.run_on_main_thread(move || {
            if handle.get_webview_window(MAIN).is_some() {
                return; // reopened meanwhile
            }
            #[cfg(target_os = "linux")]
            {
                if release.network_process {
                    linux::end_network_processes();
                }
                linux::trim_heap();
                linux::release_file_pages();
            }
            #[cfg(not(target_os = "linux"))]
            let _ = release;
        });
    });
}
