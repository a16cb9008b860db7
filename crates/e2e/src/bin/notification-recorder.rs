//! A stand-in desktop notification service for the end-to-end tests: it owns
//! `org.freedesktop.Notifications` on the session bus and appends every notification it is
//! asked to show to the file given as its argument, one JSON object per line.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

use zbus::zvariant::OwnedValue;

struct Recorder {
    file: Mutex<std::fs::File>,
    next: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next += 1;
        let line = serde_json::json!({ "app_name": app_name, "summary": summary, "body": body });
        if let Ok(mut file) = self.file.lock() {
            let _ = writeln!(file, "{line}");
            let _ = file.flush();
        }
        self.next
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        ("evergreen-e2e".into(), "Evergreen".into(), "1".into(), "1.2".into())
    }
}

fn main() -> zbus::Result<()> {
    let path = std::env::args().nth(1).expect("usage: notification-recorder FILE");
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("record file");
    let _connection = zbus::blocking::connection::Builder::session()?
        .name("org.freedesktop.Notifications")?
        .serve_at("/org/freedesktop/Notifications", Recorder { file: Mutex::new(file), next: 0 })?
        .build()?;
    println!("ready");
    loop {
        std::thread::park();
    }
}
