//! WebKitGTK, JavaScriptCore and libsoup, loaded at the first call of any of their functions
//! instead of before `main`: a login start opens the vault before the webview's ~100 libraries
//! are mapped, and may never map them (why and how: `src-tauri/build/lazy_webkit.rs`, which
//! generates the trampolines and the table included here).
#![allow(unsafe_code)]

use std::ffi::{CStr, c_void};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/lazy_webkit.rs"));

std::arch::global_asm!(include_str!(concat!(env!("OUT_DIR"), "/lazy_webkit.s")), options(att_syntax));

/// A library opened for the rest of the process (never closed).
struct Library(*mut c_void);

// SAFETY: a `dlopen` handle is an opaque token that `dlsym` accepts from any thread.
unsafe impl Send for Library {}
// SAFETY: as above; nothing is ever written through it.
unsafe impl Sync for Library {}

static OPENED: OnceLock<Vec<Library>> = OnceLock::new();

/// Called by the trampolines on a function's first call: its address, every library loaded
/// first. Never returns without one: a missing library or function ends the process with a
/// message (the trampoline's caller cannot be told of an error).
#[unsafe(no_mangle)]
extern "C" fn evergreen_lazy_webkit_resolve(slot: usize) -> *const c_void {
    let libraries = OPENED.get_or_init(open_all);
    let (name, library) = FUNCTIONS[slot];
    // SAFETY: the handle came from a successful `dlopen`; `name` is a NUL-terminated string.
    let address = unsafe { libc::dlsym(libraries[usize::from(library)].0, name.as_ptr()) };
    if address.is_null() {
        give_up(LIBRARIES[usize::from(library)], Some(name));
    }
    address
}

fn open_all() -> Vec<Library> {
    let started = std::time::Instant::now();
    let libraries = LIBRARIES
        .iter()
        .map(|name| {
            // SAFETY: a NUL-terminated name; the libraries' constructors are WebKit's own, run
            // as they would have run before `main`.
            let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
            if handle.is_null() {
                give_up(name, None);
            }
            Library(handle)
        })
        .collect();
    tracing::debug!(took_ms = started.elapsed().as_secs_f64() * 1000.0, "WebKit loaded");
    libraries
}

fn give_up(library: &CStr, function: Option<&CStr>) -> ! {
    // SAFETY: `dlerror` returns null or a NUL-terminated string valid until the next dl call.
    let reason = unsafe { libc::dlerror() };
    let reason = if reason.is_null() {
        String::from("not found")
    } else {
        // SAFETY: non-null, NUL-terminated, read before any other dl call.
        unsafe { CStr::from_ptr(reason) }.to_string_lossy().into_owned()
    };
    let what = match function {
        Some(function) => format!("{} in {}", function.to_string_lossy(), library.to_string_lossy()),
        None => library.to_string_lossy().into_owned(),
    };
    tracing::error!(%what, %reason, "WebKit could not be loaded");
    eprintln!(
        "Evergreen cannot show its window: {what} could not be loaded ({reason}). \
         Reinstalling Evergreen installs the WebKitGTK it needs (libwebkit2gtk-4.1-0)."
    );
    std::process::abort();
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
        fn webkit_get_major_version() -> u32;
    }

    fn mapped(library: &str) -> bool {
        std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps").contains(library)
    }

    /// One test, so nothing else in this process loads the libraries before it looks.
    #[test]
    fn the_libraries_load_at_the_first_call_and_every_argument_arrives() {
        assert!(!mapped("libwebkit2gtk-4.1.so"), "WebKit was loaded before its first call");
        assert!(!mapped("libjavascriptcoregtk-4.1.so"));
        assert!(!mapped("libsoup-3.0.so"));
        // SAFETY: the C signatures above are libsoup's, JavaScriptCore's and WebKit's own; every
        // pointer passed is a NUL-terminated literal or an object the library just returned.
        unsafe {
            assert_eq!(CStr::from_ptr(soup_status_get_phrase(404)).to_str(), Ok("Not Found"));
            assert!(mapped("libwebkit2gtk-4.1.so"), "every library loads at the first call");
            // Variadic: the count of vector registers in %al reaches the function unchanged.
            let form = soup_form_encode(
                c"a".as_ptr(),
                c"1".as_ptr(),
                c"b".as_ptr(),
                c"2 3".as_ptr(),
                std::ptr::null::<c_char>(),
            );
            assert_eq!(CStr::from_ptr(form).to_str(), Ok("a=1&b=2+3"));
            // A vector register argument and result, each through a first call.
            let context = jsc_context_new();
            let value = jsc_value_new_number(context, 2.5);
            assert_eq!(jsc_value_to_double(value), 2.5);
            assert_eq!(jsc_value_to_double(jsc_value_new_number(context, -0.125)), -0.125);
            assert_eq!(webkit_get_major_version(), 2);
        }
    }
}
