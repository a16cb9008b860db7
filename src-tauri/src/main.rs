// Keep a console window away on Windows release builds; a no-op on Linux.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(lazy_webkit)]
mod lazy_webkit;

fn main() {
    evergreen_app::run();
}
