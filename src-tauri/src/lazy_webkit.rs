//! WebKitGTK, JavaScriptCore and libsoup, loaded at the first call of one of their functions
//! instead of before `main` (why and how: `src-tauri/build/lazy_webkit.rs`, which generates the
//! trampolines and the table included here). The first call is Tauri's own, when its runtime
//! starts and asks WebKit's version: on the main thread, while the profile opens — and, at a
//! login start, the vault unlocks with the keyring — on the async threads.
//!
//! Libraries that cannot be loaded end the process there, as the dynamic loader would have at
//! exec: with the reason and what to do, and exit code 1. The profile may have opened by then
//! (and the vault unlocked, with automatic unlock): the process ends as in a crash, which every
//! write of Evergreen's survives (write, sync, rename; SQLite's journal), and no renewal can be
//! under way yet (the scheduler starts once Tauri has).
#![allow(unsafe_code)]

use std::ffi::{CStr, c_void};
use std::sync::{Mutex, OnceLock, PoisonError};

include!(concat!(env!("OUT_DIR"), "/lazy_webkit.rs"));

std::arch::global_asm!(include_str!(concat!(env!("OUT_DIR"), "/lazy_webkit.s")), options(att_syntax));

unsafe extern "C" {
    /// One address per function in `FUNCTIONS`, in whole pages of its own (the assembly).
    static mut evergreen_lazy_webkit_slots: [usize; FUNCTIONS.len()];
    /// Where the slot of a function the libraries lack points.
    fn evergreen_lazy_webkit_missing();
}

/// Set once every slot holds its function and the table is read-only.
static BOUND: OnceLock<()> = OnceLock::new();
/// One load at a time; a failed one may be tried again (an upgrade may have been under way).
static LOADING: Mutex<()> = Mutex::new(());

/// Load the three libraries and bind every function, once; or say which library could not be
/// loaded, and why.
fn load() -> Result<(), String> {
    if BOUND.get().is_some() {
        return Ok(());
    }
    let _one_at_a_time = LOADING.lock().unwrap_or_else(PoisonError::into_inner);
    if BOUND.get().is_some() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let handles = open(&LIBRARIES)?;
    bind(&handles);
    let _ = BOUND.set(());
    tracing::debug!(took_ms = started.elapsed().as_secs_f64() * 1000.0, "WebKit loaded");
    Ok(())
}

/// Each library opened for the rest of the process (never closed).
fn open(libraries: &[&CStr]) -> Result<Vec<*mut c_void>, String> {
    libraries
        .iter()
        .map(|name| {
            // SAFETY: a NUL-terminated name; the libraries' constructors are WebKit's own, run as
            // they would have run before `main`.
            let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
            if handle.is_null() {
                return Err(format!("{} could not be loaded ({})", name.to_string_lossy(), last_error()));
            }
            Ok(handle)
        })
        .collect()
}

/// Fill every slot, then make the table read-only: nothing can redirect a WebKit call later.
fn bind(handles: &[*mut c_void]) {
    let missing = evergreen_lazy_webkit_missing as *const () as usize;
    let table = &raw mut evergreen_lazy_webkit_slots;
    for (slot, (name, library)) in FUNCTIONS.iter().enumerate() {
        // SAFETY: the handle came from a successful `dlopen`; `name` is NUL-terminated.
        let address = unsafe { libc::dlsym(handles[usize::from(*library)], name.as_ptr()) } as usize;
        let address = if address == 0 { missing } else { address };
        // SAFETY: `slot` is within the table. Only this function writes it, under `LOADING`,
        // before `BOUND` is set; trampolines read each slot whole (an aligned 8-byte word), so a
        // concurrent call sees the old entry (and waits here through the resolver) or the new.
        unsafe { table.cast::<usize>().add(slot).write_volatile(address) };
    }
    let start = table as usize;
    let length = FUNCTIONS.len() * std::mem::size_of::<usize>();
    let page = 4096;
    // SAFETY: the table starts on a page and fills whole pages of its own (the assembly pads
    // it), so no other data loses write access.
    let protected =
        unsafe { libc::mprotect(start as *mut c_void, length.div_ceil(page) * page, libc::PROT_READ) };
    if protected != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "WebKit's table stays writable");
    }
}

/// Called by a trampoline on a function's first call: its address, the libraries loaded and
/// bound first. Never returns without one.
#[unsafe(no_mangle)]
extern "C" fn evergreen_lazy_webkit_resolve(slot: usize) -> usize {
    if let Err(why) = load() {
        tracing::error!(%why, "WebKit could not be loaded");
        say(&format!("Evergreen cannot start: {why}. {REINSTALL}"));
        // At once, without exit handlers: other threads are running and keep nothing to flush.
        // SAFETY: `_exit` ends the process; nothing after it runs.
        unsafe { libc::_exit(1) };
    }
    // SAFETY: bound (above), so the table is filled and no longer written.
    let address =
        unsafe { (&raw const evergreen_lazy_webkit_slots).cast::<usize>().add(slot).read_volatile() };
    if address == evergreen_lazy_webkit_missing as *const () as usize {
        evergreen_lazy_webkit_absent(slot);
    }
    address
}

/// A function the installed libraries lack was called: a WebKit older than the one Evergreen
/// was built with. Its caller cannot be told, so the process ends, as an unresolved symbol at
/// start would have ended it.
#[unsafe(no_mangle)]
extern "C" fn evergreen_lazy_webkit_absent(slot: usize) -> ! {
    let (name, library) = FUNCTIONS[slot];
    let why =
        format!("{} has no {}", LIBRARIES[usize::from(library)].to_string_lossy(), name.to_string_lossy());
    tracing::error!(%why, "a WebKit function is missing");
    say(&format!("Evergreen cannot go on: {why}. {REINSTALL}"));
    std::process::abort();
}

/// A line on standard error, if it can be written (a panic here would lose the exit code).
fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// What to do about it, for the person.
const REINSTALL: &str = "Reinstall Evergreen: it installs the WebKitGTK it needs (libwebkit2gtk-4.1-0)";

fn last_error() -> String {
    // SAFETY: `dlerror` returns null or a NUL-terminated string valid until the next dl call.
    let reason = unsafe { libc::dlerror() };
    if reason.is_null() {
        return String::from("not found");
    }
    // SAFETY: non-null and NUL-terminated, read before any other dl call.
    unsafe { CStr::from_ptr(reason) }.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, c_char, c_void};

    // The trampolines this binary defines, called as the bindings call them.
    unsafe extern "C" {
        fn soup_status_get_phrase(status: u32) -> *const c_char;
        fn soup_form_encode(first_field: *const c_char, ...) -> *mut c_char;
        fn jsc_context_new() -> *mut c_void;
        fn jsc_value_new_number(context: *mut c_void, number: f64) -> *mut c_void;
        fn jsc_value_to_double(value: *mut c_void) -> f64;
        fn jsc_value_new_array(context: *mut c_void, first_item_type: usize, ...) -> *mut c_void;
        fn jsc_value_object_get_property_at_index(value: *mut c_void, index: u32) -> *mut c_void;
        fn jsc_value_new_function(
            context: *mut c_void,
            name: *const c_char,
            callback: extern "C" fn(f64, f64, *mut c_void) -> f64,
            user_data: *mut c_void,
            destroy_notify: *mut c_void,
            return_type: usize,
            n_parameters: u32,
            ...
        ) -> *mut c_void;
        fn jsc_value_function_call(function: *mut c_void, first_parameter_type: usize, ...) -> *mut c_void;
        fn webkit_get_major_version() -> u32;
    }

    /// GLib's fundamental types, as `G_TYPE_MAKE_FUNDAMENTAL` makes them.
    const G_TYPE_NONE: usize = 1 << 2;
    const G_TYPE_DOUBLE: usize = 15 << 2;

    fn mapped(library: &str) -> bool {
        std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps").contains(library)
    }

    /// The permissions of the mapping that holds `address`, as `/proc/self/maps` shows them.
    fn permissions_at(address: usize) -> String {
        let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
        maps.lines()
            .find_map(|line| {
                let (range, rest) = line.split_once(' ')?;
                let (from, to) = range.split_once('-')?;
                let (from, to) = (usize::from_str_radix(from, 16).ok()?, usize::from_str_radix(to, 16).ok()?);
                (from..to).contains(&address).then(|| rest[..4].to_string())
            })
            .expect("a mapping holds the table")
    }

    extern "C" fn weighted(a: f64, b: f64, _: *mut c_void) -> f64 {
        a * 10.0 + b
    }

    /// One test, so nothing else in this process loads the libraries before it looks.
    #[test]
    fn the_libraries_load_at_the_first_call_and_every_argument_arrives() {
        assert!(!mapped("libwebkit2gtk-4.1.so"), "WebKit was loaded before its first call");
        assert!(!mapped("libjavascriptcoregtk-4.1.so"));
        assert!(!mapped("libsoup-3.0.so"));
        // First calls from several threads at once: each gets its own function's answer.
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            let phrases = (0..3).map(|_| {
                // SAFETY: libsoup's signature; the status is a plain number.
                scope.spawn(|| {
                    barrier.wait();
                    unsafe { CStr::from_ptr(soup_status_get_phrase(404)) }.to_str().map(str::to_owned)
                })
            });
            let phrases: Vec<_> = phrases.collect();
            barrier.wait();
            // SAFETY: WebKit's signature, no arguments.
            assert_eq!(unsafe { webkit_get_major_version() }, 2);
            for phrase in phrases {
                assert_eq!(phrase.join().expect("no panic").as_deref(), Ok("Not Found"));
            }
        });
        assert!(mapped("libwebkit2gtk-4.1.so"), "every library loads at the first call");
        let table = &raw const super::evergreen_lazy_webkit_slots as usize;
        assert!(permissions_at(table).starts_with("r-"), "the table is read-only once bound");
        // SAFETY: the C signatures above are libsoup's and JavaScriptCore's own; every pointer
        // passed is a NUL-terminated literal or an object the library just returned.
        unsafe {
            // Variadic, pointers only (%al = 0).
            let form = soup_form_encode(
                c"a".as_ptr(),
                c"1".as_ptr(),
                c"b".as_ptr(),
                c"2 3".as_ptr(),
                std::ptr::null::<c_char>(),
            );
            assert_eq!(CStr::from_ptr(form).to_str(), Ok("a=1&b=2+3"));
            // A vector register argument and result.
            let context = jsc_context_new();
            assert_eq!(jsc_value_to_double(jsc_value_new_number(context, 2.5)), 2.5);
            // Variadic with doubles: %al counts the vector registers the callee must save.
            let array = jsc_value_new_array(context, G_TYPE_DOUBLE, 1.5, G_TYPE_DOUBLE, -0.125, G_TYPE_NONE);
            assert_eq!(jsc_value_to_double(jsc_value_object_get_property_at_index(array, 1)), -0.125);
            // Seven integer arguments: the seventh and the variadic ones go on the stack.
            let function = jsc_value_new_function(
                context,
                c"weighted".as_ptr(),
                weighted,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                G_TYPE_DOUBLE,
                2,
                G_TYPE_DOUBLE,
                G_TYPE_DOUBLE,
            );
            let answer =
                jsc_value_function_call(function, G_TYPE_DOUBLE, 4.0, G_TYPE_DOUBLE, 2.0, G_TYPE_NONE);
            assert_eq!(jsc_value_to_double(answer), 42.0);
        }
    }

    #[test]
    fn a_library_that_cannot_be_loaded_is_an_error_that_names_it() {
        let error = super::open(&[c"libevergreen-no-such-library.so.0"]).expect_err("no such library");
        assert!(error.starts_with("libevergreen-no-such-library.so.0 could not be loaded ("), "{error}");
    }
}
