//! Desktop notifications: the core decides what and when (`evergreen_core::notify`); this
//! delivers them to the desktop's notification service (freedesktop Notifications over
//! D-Bus) and, when a person clicks one, opens the window where its action is done: a group
//! of accounts that need reconnecting opens Integrations on "Needs you".
//!
//! Spoken directly rather than through the notification plugin: on Linux the plugin can show
//! a notification but learns of a click only by blocking a thread per notification until it
//! closes. Here one connection shows them all, and one thread listens for the service's
//! `ActionInvoked` and `NotificationClosed` signals.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock, PoisonError};

use evergreen_core::notify::{Action, Notification, Notifier};
use tauri::{AppHandle, Runtime};
use zbus::zvariant::Value;

use crate::app_slot::AppSlot;
use crate::window::{self, Route, Shown};

const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
/// The action every server offers as a click on the notification itself.
const DEFAULT_ACTION: &str = "default";
/// Clicks remembered for notifications the service has not said are closed (some never do):
/// beyond this, the oldest are forgotten.
const REMEMBERED: usize = 256;

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
        show(app, &n.title, &n.body, opens(n.asks()));
    }
}

/// Where a click on a notification that asks `action` takes the person: the accounts it is
/// about, or (to unlock) the window as it is.
fn opens(action: Action) -> Option<Route> {
    match action {
        Action::Reconnect | Action::LogInOnInstagram => Some(Route::Integrations(Shown::NeedingYou)),
        Action::RenewBeforeExpiry => Some(Route::Integrations(Shown::Expiring)),
        Action::Unlock => None,
    }
}

/// The start could not use the login keyring: say why, once, when no window shows it.
pub fn passphrase_needed<R: Runtime>(app: &AppHandle<R>, why: &str) {
    let body = format!("{why} Open Evergreen and unlock it to keep your accounts renewing.");
    show(app, "Evergreen needs its passphrase", &body, None);
}

/// Show a notification whose click opens the window (on `route`, if any). Off the caller's
/// thread: a service that is slow to answer never holds up a renewal sweep. A missing service
/// loses only the popup (the core has recorded the notification).
fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str, route: Option<Route>) {
    let (app, title, body) = (app.clone(), title.to_string(), body.to_string());
    let shown = std::thread::Builder::new().name("notify".into()).spawn(move || {
        let Some(service) = Service::get() else { return };
        let click = Box::new(move || {
            let on_main = app.clone();
            let opened = app.run_on_main_thread(move || match route {
                Some(route) => window::show_at(&on_main, route),
                None => window::show(&on_main),
            });
            if let Err(error) = opened {
                tracing::warn!(%error, "could not open the window for a notification");
            }
        });
        if let Err(error) = service.show(&title, &body, click) {
            tracing::warn!(%error, "notification not shown");
        }
    });
    if let Err(error) = shown {
        tracing::warn!(%error, "notification not shown");
    }
}

type Click = Box<dyn FnOnce() + Send>;

/// The session bus connection to the notification service, and what a click on each
/// notification shown (by its id) does.
struct Service {
    connection: zbus::blocking::Connection,
    clicks: Mutex<BTreeMap<u32, Click>>,
}

impl Service {
    /// The one service of this process, connected on first use; `None` (said once) without a
    /// session bus.
    fn get() -> Option<&'static Service> {
        static SERVICE: OnceLock<Option<Service>> = OnceLock::new();
        SERVICE
            .get_or_init(|| match Service::connect() {
                Ok(service) => Some(service),
                Err(error) => {
                    tracing::warn!(%error, "no desktop notification service: notifications are not shown");
                    None
                }
            })
            .as_ref()
    }

    fn connect() -> zbus::Result<Service> {
        let connection = zbus::blocking::Connection::session()?;
        let proxy = zbus::blocking::Proxy::new(&connection, SERVICE, PATH, SERVICE)?;
        // Subscribed before anything is shown, so that no click is missed.
        let signals = proxy.receive_all_signals()?;
        std::thread::Builder::new()
            .name("notify-clicks".into())
            .spawn(move || {
                for signal in signals {
                    let Some(service) = Service::get() else { return };
                    service.heard(&signal);
                }
            })
            .map_err(|e| zbus::Error::Failure(e.to_string()))?;
        Ok(Service { connection, clicks: Mutex::default() })
    }

    fn show(&self, title: &str, body: &str, click: Click) -> zbus::Result<()> {
        let hints: HashMap<&str, Value> = HashMap::from([("desktop-entry", Value::from("Evergreen"))]);
        let actions = [DEFAULT_ACTION, "Open Evergreen"];
        // Remembered before the call returns: a click can come as soon as it is on screen.
        let mut clicks = self.clicks.lock().unwrap_or_else(PoisonError::into_inner);
        let reply = self.connection.call_method(
            Some(SERVICE),
            PATH,
            Some(SERVICE),
            "Notify",
            &("Evergreen", 0u32, "", title, body, &actions[..], hints, -1i32),
        )?;
        let id: u32 = reply.body().deserialize()?;
        clicks.insert(id, click);
        while clicks.len() > REMEMBERED {
            clicks.pop_first();
        }
        Ok(())
    }

    /// A signal from the service: a click runs (once) what the notification opens; a close
    /// forgets it.
    fn heard(&self, signal: &zbus::message::Message) {
        let header = signal.header();
        let Some(member) = header.member() else { return };
        let id = match member.as_str() {
            "ActionInvoked" => match signal.body().deserialize::<(u32, String)>() {
                Ok((id, action)) if action == DEFAULT_ACTION => id,
                _ => return,
            },
            "NotificationClosed" => {
                if let Ok((id, _reason)) = signal.body().deserialize::<(u32, u32)>() {
                    self.clicks.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
                }
                return;
            }
            _ => return,
        };
        let click = self.clicks.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        if let Some(click) = click {
            click();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_opens_where_the_action_is_done() {
        assert_eq!(opens(Action::Reconnect), Some(Route::Integrations(Shown::NeedingYou)));
        assert_eq!(opens(Action::LogInOnInstagram), Some(Route::Integrations(Shown::NeedingYou)));
        assert_eq!(opens(Action::RenewBeforeExpiry), Some(Route::Integrations(Shown::Expiring)));
        assert_eq!(opens(Action::Unlock), None);
    }
}
