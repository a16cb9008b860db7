//! The shell's commands through the real IPC path, on Tauri's mock runtime.

mod commands;
mod profiles;
mod support;
