//! What Linux lets a process hand back: an idle child process, freed heap, and resident pages
//! of the files it maps. Small functions over `/proc` and three system calls.

/// WebKitNetworkProcess children of this process: with no page left they only hold memory.
pub fn end_network_processes() {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if is_network_process_of(&stat, me) {
            tracing::debug!(pid, "ending the idle network process");
            signal_term(pid);
        }
    }
}

/// Whether a `/proc/PID/stat` line is a WebKit network process whose parent is `parent`.
fn is_network_process_of(stat: &str, parent: u32) -> bool {
    // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
    let Some((head, tail)) = stat.rsplit_once(')') else { return false };
    let ppid = tail.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
    ppid == Some(parent) && head.contains("WebKitNetworkPr")
}

#[allow(unsafe_code)]
fn signal_term(pid: i32) {
    // SAFETY: kill(2) takes plain integers; `pid` is a child of ours read from /proc just now.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

#[allow(unsafe_code)]
pub fn trim_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas; it takes no pointers from us.
    let released = unsafe { libc::malloc_trim(0) };
    tracing::debug!(released, "heap trimmed");
}

/// Drop this process's hold on the clean pages of the files it maps read-only: WebKit's and
/// JavaScriptCore's code above all, ~80 MB resident after a page ran. The pages stay in the
/// page cache (shared with every other program, and the first memory the kernel takes back
/// under pressure), so what the tray still runs, or a window opened again, maps them back
/// with a minor fault instead of a read from disk.
///
/// `MADV_DONTNEED` because it is the call that works for everyone: `MADV_PAGEOUT` skips pages
/// of files the caller could not write (all of `/usr/lib` for a normal user) and evicts them
/// from the page cache for root. But `MADV_DONTNEED` throws away a private page that was
/// written (relocations made read-only after loading, RELRO), so only regions with no such
/// page are released: not writable, nothing anonymous or privately dirty in them.
pub fn release_file_pages() {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else { return };
    let (released, bytes) = release(&clean_file_regions(&smaps));
    tracing::debug!(released, mib = bytes >> 20, "library pages handed back");
}

/// Advise away each region still mapped as it was listed; how many, and their resident bytes.
fn release(regions: &[CleanRegion]) -> (usize, usize) {
    let (mut released, mut bytes) = (0, 0);
    for region in regions {
        if still_maps(region) && drop_pages(region.start, region.len) {
            released += 1;
            bytes += region.resident;
        }
    }
    (released, bytes)
}

/// A read-only file mapping whose pages all equal the file's.
#[derive(Debug, PartialEq, Eq)]
struct CleanRegion {
    start: usize,
    len: usize,
    resident: usize,
    path: String,
}

/// The regions of a `/proc/PID/smaps` text whose resident pages can be dropped and read back
/// from their file unchanged.
fn clean_file_regions(smaps: &str) -> Vec<CleanRegion> {
    let mut regions = Vec::new();
    let mut current: Option<(CleanRegion, bool)> = None;
    let mut finish = |current: Option<(CleanRegion, bool)>| {
        if let Some((region, true)) = current
            && region.resident > 0
        {
            regions.push(region);
        }
    };
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some(key) = first.strip_suffix(':') {
            // "Anonymous:   12 kB": written private copies; "VmFlags: rd mr lo": locked.
            let Some((region, clean)) = current.as_mut() else { continue };
            let value = fields.next().unwrap_or("0");
            match key {
                "Rss" => region.resident = value.parse::<usize>().unwrap_or(0) * 1024,
                "Anonymous" | "Private_Dirty" | "Shared_Dirty" | "Locked" => *clean &= value == "0",
                "VmFlags" => *clean &= !line.split_whitespace().any(|f| f == "lo" || f == "io"),
                _ => {}
            }
            continue;
        }
        finish(current.take());
        current = region_header(line).map(|region| (region, true));
    }
    finish(current);
    regions
}

/// "start-end perms offset dev inode path": a region worth looking at when it maps a regular
/// file on disk, read-only.
fn region_header(line: &str) -> Option<CleanRegion> {
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let perms = fields.next()?;
    let path = line.splitn(6, char::is_whitespace).nth(5).map(str::trim)?;
    // Devices (GPU buffers), memfd and System V segments are memory, not files on disk; a
    // deleted file may have been cut short since.
    if !path.starts_with('/')
        || ["/dev/", "/memfd:", "/SYSV"].iter().any(|p| path.starts_with(p))
        || path.ends_with("(deleted)")
        || perms.as_bytes().get(1) != Some(&b'-')
    {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    (end > start).then(|| CleanRegion { start, len: end - start, resident: 0, path: path.to_string() })
}

/// Whether `region`'s exact range is still a mapping of its file. Other threads (tokio's,
/// WebKit's, a DNS lookup loading NSS modules) map and unmap while smaps is read and the
/// regions are advised: a range unmapped since and reused for memory that was then written
/// must not be advised, or the writes would be lost. `/proc/self/map_files/<start>-<end>`
/// names the file mapped at exactly that range, checked just before each advice.
fn still_maps(region: &CleanRegion) -> bool {
    let link = format!("/proc/self/map_files/{:x}-{:x}", region.start, region.start + region.len);
    std::fs::read_link(link).is_ok_and(|file| file.as_os_str() == region.path.as_str())
}

#[allow(unsafe_code)]
fn drop_pages(start: usize, len: usize) -> bool {
    // SAFETY: madvise takes an address range and touches no memory of ours. The range was,
    // an instant ago (`still_maps`), exactly a read-only mapping of a file with no written page
    // in it, so dropping its pages loses nothing: the next touch reads the same bytes back from
    // the file. What this assumes: that in the microseconds between that check and this call
    // no other thread unmaps this very range, maps memory over exactly it and writes to it.
    // Library and font mappings are unmapped only by dlclose and by GTK's and fontconfig's
    // clean-up, which run on this thread (the main one), and glibc never unloads NSS modules.
    unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED) == 0 }
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests {
    use std::io::Write;

    use super::{CleanRegion, clean_file_regions, is_network_process_of, release, release_file_pages};

    const SMAPS: &str = "\
7f2a1c000000-7f2a1c400000 r-xp 00000000 fe:00 1234 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0
Rss:                3000 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
VmFlags: rd ex mr mw me sd
7f2a1c400000-7f2a1c410000 r--p 00400000 fe:00 1234 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0
Rss:                  64 kB
Anonymous:            64 kB
Private_Dirty:        64 kB
VmFlags: rd mr mw me ac sd
7f2a1c410000-7f2a1c420000 rw-p 00410000 fe:00 1234 /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0
Rss:                  64 kB
Anonymous:             0 kB
7f2a1c420000-7f2a1c430000 r--s 00000000 fe:00 99 /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
Rss:                  16 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
VmFlags: rd mr me ms sd
7f2a1c430000-7f2a1c440000 r--p 00000000 fe:00 98 /usr/lib/locale/locale-archive
Rss:                   0 kB
Anonymous:             0 kB
7f2a1c440000-7f2a1c450000 r--p 00000000 fe:00 97 /usr/lib/libpinned.so
Rss:                  64 kB
Anonymous:             0 kB
Locked:               64 kB
VmFlags: rd mr me lo
55d4c000-55d4d000 rw-p 00000000 00:00 0 
Rss:                   4 kB
7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]
Rss:                   4 kB
7f000000-7f001000 r--s 00000000 00:06 77 /dev/dri/renderD128
Rss:                   4 kB
7f001000-7f002000 r--s 00000000 00:01 78 /memfd:wayland-shm (deleted)
Rss:                   4 kB
7f002000-7f003000 r-xp 00000000 fe:00 79 /opt/evergreen/old build (deleted)
Rss:                   4 kB
garbage
";

    #[test]
    fn only_clean_read_only_file_pages_are_released() {
        let regions = clean_file_regions(SMAPS);
        assert_eq!(
            regions,
            vec![
                // library code, and a font mapped shared read-only (a path with no spaces; the
                // relocated RELRO part, the data, an empty region, a locked one, anonymous
                // memory, devices, memfd and deleted files are all left alone)
                CleanRegion {
                    start: 0x7f2a_1c00_0000,
                    len: 0x40_0000,
                    resident: 3000 * 1024,
                    path: "/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0".into(),
                },
                CleanRegion {
                    start: 0x7f2a_1c42_0000,
                    len: 0x1_0000,
                    resident: 16 * 1024,
                    path: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".into(),
                },
            ]
        );
    }

    /// Rss of this process's mapping that starts at `addr`, from `/proc/self/smaps`.
    fn resident_kb(addr: usize) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let header = format!("{addr:x}-");
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&header));
        lines
            .find_map(|l| l.strip_prefix("Rss:"))
            .and_then(|v| v.split_whitespace().next())
            .map(|v| v.parse().unwrap())
            .expect("mapping listed")
    }

    fn map(file: &std::fs::File, len: usize, prot: i32) -> *mut u8 {
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh private mapping of a file we hold open; checked for failure.
        let at =
            unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        assert_ne!(at, libc::MAP_FAILED);
        at.cast()
    }

    #[test]
    fn releasing_keeps_every_byte_and_drops_clean_pages() {
        const LEN: usize = 256 * 1024;
        // Named: the region of an unlinked file reads "(deleted)" and is left alone.
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let content: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
        file.write_all(&content).unwrap();
        // On disk, as a library is (a page cache page still to be written counts as dirty).
        file.as_file().sync_all().unwrap();
        let file = file.as_file();

        // A library's code: read-only, every page as on disk.
        let code = map(file, LEN, libc::PROT_READ);
        // SAFETY: both mappings are LEN bytes long and live until the munmap below.
        let code_bytes = unsafe { std::slice::from_raw_parts(code, LEN) };
        assert_eq!(code_bytes, content);
        // Relocations: written after loading, then made read-only (RELRO).
        let relro = map(file, LEN, libc::PROT_READ | libc::PROT_WRITE);
        unsafe {
            relro.write(0xAB);
            assert_eq!(libc::mprotect(relro.cast(), LEN, libc::PROT_READ), 0);
        }
        assert_eq!(resident_kb(code as usize), LEN / 1024);

        release_file_pages();

        assert_eq!(resident_kb(code as usize), 0, "clean pages dropped");
        assert_eq!(code_bytes, content, "read back from the file unchanged");
        // SAFETY: as above.
        let relro_bytes = unsafe { std::slice::from_raw_parts(relro, LEN) };
        assert_eq!(relro_bytes[0], 0xAB, "a written page is never thrown away");
        assert_eq!(relro_bytes[1..], content[1..]);
        unsafe {
            libc::munmap(code.cast(), LEN);
            libc::munmap(relro.cast(), LEN);
        }
    }

    #[test]
    fn a_region_remapped_since_it_was_listed_is_left_alone() {
        const LEN: usize = 64 * 1024;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&vec![7u8; LEN]).unwrap();
        file.as_file().sync_all().unwrap();
        let code = map(file.as_file(), LEN, libc::PROT_READ);
        // SAFETY: LEN bytes mapped just now.
        assert_eq!(unsafe { code.read() }, 7);
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let listed: Vec<_> =
            clean_file_regions(&smaps).into_iter().filter(|r| r.start == code as usize).collect();
        assert_eq!(listed.len(), 1, "the file's mapping is listed as clean");

        // Another thread's work, between the listing and the advice: the range unmapped and
        // reused for memory that is then written.
        // SAFETY: MAP_FIXED over our own mapping of LEN bytes at `code`.
        let reused = unsafe {
            libc::mmap(
                code.cast(),
                LEN,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        assert_eq!(reused.cast::<u8>(), code);
        // SAFETY: the anonymous mapping is LEN bytes, writable.
        unsafe { code.write_bytes(0x5A, LEN) };

        assert_eq!(release(&listed), (0, 0), "not advised");
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts(code, LEN) };
        assert!(bytes.iter().all(|&b| b == 0x5A), "what was written is kept");
        unsafe { libc::munmap(code.cast(), LEN) };
    }

    #[test]
    fn only_a_network_process_of_ours_is_ended() {
        let stat = |comm: &str, ppid: u32| format!("4242 ({comm}) S {ppid} 4242 4242 0 -1 4194560");
        assert!(is_network_process_of(&stat("WebKitNetworkPr", 100), 100));
        assert!(!is_network_process_of(&stat("WebKitNetworkPr", 101), 100), "another app's");
        assert!(!is_network_process_of(&stat("WebKitWebProces", 100), 100));
        assert!(is_network_process_of(&stat("a) WebKitNetworkPr", 100), 100), "a comm with ')' in it");
        assert!(!is_network_process_of("garbage", 100));
    }
}
