//! A bare Tauri 2 app with the plugins Evergreen uses and a trivial page: the yardstick the
//! footprint benchmark measures Evergreen against, side by side. Like Evergreen it stays alive
//! when its window is closed. It prints "painted <ms> page <ms>" when its page has drawn its first
//! frame: since the process started, and since the page began navigating.

use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();

#[tauri::command]
fn painted(page_ms: Option<f64>) {
    let ms = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    eprintln!("painted {ms} page {:.0}", page_ms.unwrap_or_default());
}

fn main() {
    let _ = STARTED.set(Instant::now());
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|_, _, _| {}))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .invoke_handler(tauri::generate_handler![painted])
        .build(tauri::generate_context!())
        .unwrap_or_else(|error| {
            eprintln!("bare-tauri: {error}");
            std::process::exit(1);
        });
    app.run(|_, event| {
        if let tauri::RunEvent::ExitRequested { api, code: None, .. } = event {
            api.prevent_exit();
        }
    });
}
