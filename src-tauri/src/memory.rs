//! Handing memory back once the window is gone: Evergreen spends most of its life in the tray,
//! and what the page used should not stay resident all day.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::state::EvergreenExt;
use crate::window::MAIN;

/// Give WebKit this long to tear the page down before releasing what it left.
const SETTLE: Duration = Duration::from_secs(2);

/// After the window was destroyed: end WebKit's network process (WebKit starts a new one
/// when a window opens again) and return freed heap to the system.
pub fn release_after_close<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        if app.get_webview_window(MAIN).is_some() {
            return; // reopened meanwhile
        }
        #[cfg(target_os = "linux")]
        {
            if !app.evergreen().config.automation {
                end_network_processes();
            }
            trim_heap();
        }
    });
}

/// WebKitNetworkProcess children of this process: with no page left they only hold memory.
#[cfg(target_os = "linux")]
fn end_network_processes() {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return };
    for entry in entries.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else { continue };
        let parent = tail.split_whitespace().nth(1);
        if parent == Some(me.as_str())
            && head.contains("WebKitNetworkPr")
            && let Ok(pid) = pid.parse::<i32>()
        {
            tracing::debug!(pid, "ending the idle network process");
            signal_term(pid);
        }
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn signal_term(pid: i32) {
    // SAFETY: kill(2) takes plain integers; `pid` is a child of ours read from /proc just now.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn trim_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas; it takes no pointers from us.
    let released = unsafe { libc::malloc_trim(0) };
    tracing::debug!(released, "heap trimmed");
}
