//! Handing memory back once the window is gone: Evergreen spends most of its life in the tray,
//! and what the page used should not stay resident all day.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::state::EvergreenExt;
use crate::window::MAIN;

/// Give WebKit this long to tear the page down before releasing what it left.
const SETTLE: Duration = Duration::from_secs(2);

/// After the window was destroyed: end WebKit's network process (WebKit starts a new one
/// when a window opens again), return freed heap to the system, and let go of resident
/// library pages.
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
            page_out_file_mappings();
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

/// Ask the kernel to reclaim the file-backed pages mapped into this process (WebKit's and
/// JavaScriptCore's code above all, ~80 MB resident after a page ran). They are clean copies of
/// files on disk, so nothing is lost: they leave our resident set for the page cache, the first
/// memory the kernel takes back under pressure, and whatever the tray still runs faults back in
/// from there. Private pages that were written (relocations, heap) have no file to go back to
/// and the kernel leaves them alone, so this never changes what a page holds.
#[cfg(target_os = "linux")]
fn page_out_file_mappings() {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return };
    let (mut advised, mut bytes) = (0usize, 0usize);
    for (start, len) in maps.lines().filter_map(file_mapping) {
        if advise_page_out(start, len) {
            advised += 1;
            bytes += len;
        }
    }
    tracing::debug!(advised, mib = bytes >> 20, "library pages handed back");
}

/// The address range of one `/proc/self/maps` line when it maps a regular file.
#[cfg(target_os = "linux")]
fn file_mapping(line: &str) -> Option<(usize, usize)> {
    // "start-end perms offset dev inode path"; the path is absent for anonymous memory.
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let path = fields.nth(4)?;
    // Devices (GPU buffers), memfd and System V segments are memory, not files on disk.
    if !path.starts_with('/') || ["/dev/", "/memfd:", "/SYSV"].iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    (end > start).then_some((start, end - start))
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn advise_page_out(start: usize, len: usize) -> bool {
    // SAFETY: MADV_PAGEOUT only hints reclaim and keeps every page's contents (a written private
    // page stays, a clean one is read back from its file on the next touch). A range unmapped by
    // another thread since /proc was read makes the call fail with ENOMEM, and nothing else.
    unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_PAGEOUT) == 0 }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::file_mapping;

    #[test]
    fn only_regular_files_are_paged_out() {
        let lib = "7f2a1c000000-7f2a1c400000 r-xp 00000000 fe:00 1234 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0";
        assert_eq!(file_mapping(lib), Some((0x7f2a_1c00_0000, 0x40_0000)));
        for line in [
            "55d4c000-55d4d000 rw-p 00000000 00:00 0 ",
            "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]",
            "7f000000-7f001000 rw-s 00000000 00:06 77 /dev/dri/renderD128",
            "7f000000-7f001000 rw-s 00000000 00:01 78 /memfd:wayland-shm (deleted)",
            "7f000000-7f001000 rw-s 00000000 00:01 79 /SYSV00000000 (deleted)",
            "garbage",
        ] {
            assert_eq!(file_mapping(line), None, "{line}");
        }
    }
}
