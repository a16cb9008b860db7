//! Desktop notifications: the core decides what and when (`evergreen_core::notify`); this
//! only delivers, through the notification plugin (freedesktop notifications over D-Bus).

use evergreen_core::notify::{Notification, Notifier};
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::app_slot::AppSlot;

/// Delivers through the desktop's notification service.
pub struct Desktop<R: Runtime>(pub AppSlot<R>);

impl<R: Runtime> Notifier for Desktop<R> {
    fn notify(&self, n: &Notification) {
        let Some(app) = self.0.get() else {
            // Nothing notifies before the app is built (the scheduler starts after it); the
            // core has recorded the notification in any case.
            tracing::warn!("a notification came before the app was ready");
            return;
        };
        // The plugin reports no delivery errors on Linux; the core has recorded the
        // notification already, so a missing notification service loses only the popup.
        if let Err(error) = app.notification().builder().title(&n.title).body(&n.body).show() {
            tracing::warn!(%error, "notification not shown");
        }
    }
}

/// The start could not use the login keyring: say why, once, when no window shows it.
pub fn passphrase_needed<R: Runtime>(app: &AppHandle<R>, why: &str) {
    let body = format!("{why} Open Evergreen and unlock it to keep your accounts renewing.");
    if let Err(error) = app.notification().builder().title("Evergreen needs its passphrase").body(body).show()
    {
        tracing::warn!(%error, "notification not shown");
    }
}
