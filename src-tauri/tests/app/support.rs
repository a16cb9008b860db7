//! A mock-runtime app with the product's command list and a temp profile.

use evergreen_app::config::Config;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};
use tempfile::TempDir;

/// An app on the mock runtime with one window to invoke from; its profile is a temp dir.
pub struct TestApp {
    pub app: App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    pub profile: TempDir,
}

impl TestApp {
    /// A demo-mode app on an empty profile.
    pub fn new() -> Self {
        let profile = tempfile::tempdir().expect("temp profile");
        let config = Config {
            data_dir: Some(profile.path().into()),
            relay_url: None,
            log_filter: None,
            appimage: false,
        };
        let app = evergreen_app::with_commands(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        app.manage(evergreen_app::app_state(config, profile.path().into()));
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        Self { app, window, profile }
    }

    /// Invoke `cmd` with JSON `args`; `Ok` is the answer, `Err` the rejection.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().expect("json"))
    }
}
