//! A stand-in desktop notification service for the end-to-end tests: it owns
//! `org.freedesktop.Notifications` on the session bus and appends every notification it is
//! asked to show to the file given as its argument, one JSON object per line (with its id and
//! actions). A test plays the person's click with `InvokeAction(id, action)`, a method of its
//! own (no real server has it): the service then emits `ActionInvoked` and
//! `NotificationClosed`, as a server does when a notification is clicked.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

struct Recorder {
    file: Mutex<std::fs::File>,
    next: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next += 1;
        let line = serde_json::json!({
            "id": self.next, "app_name": app_name, "summary": summary, "body": body, "actions": actions,
        });
        if let Ok(mut file) = self.file.lock() {
            let _ = writeln!(file, "{line}");
            let _ = file.flush();
        }
        self.next
    }

    fn close_notification(&self, _id: u32) {}

    /// The test's click: what a server says when the person chooses `action` on `id`.
    async fn invoke_action(
        &self,
        id: u32,
        action: String,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        Self::action_invoked(&emitter, id, &action).await?;
        // Closed because the person dismissed it (2), as servers report a click.
        Self::notification_closed(&emitter, id, 2).await?;
        Ok(())
    }

    #[zbus(signal)]
    async fn action_invoked(emitter: &SignalEmitter<'_>, id: u32, action_key: &str) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(emitter: &SignalEmitter<'_>, id: u32, reason: u32) -> zbus::Result<()>;

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
