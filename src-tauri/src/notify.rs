//! Desktop notifications: the core decides what and when (`evergreen_core::notify`); this
//! delivers them to the desktop's notification service (freedesktop Notifications over
//! D-Bus) and, when a person clicks one, opens the window where its action is done: a group
//! of accounts that need reconnecting opens Integrations on "Needs you".
//!
//! Spoken directly rather than through the notification plugin: on Linux the plugin can show
//! a notification but learns of a click only by blocking a thread per notification until it
//! closes. Here one connection carries them all: a worker shows what is queued, and one
//! thread listens for the service's `ActionInvoked` and `NotificationClosed` signals.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use evergreen_core::notify::{Action, Notification, Notifier};
use tauri::{AppHandle, Runtime};
use zbus::zvariant::Value;

use crate::app_slot::AppSlot;
use crate::config::Mode;
use crate::state::EvergreenExt;
use crate::window::{self, Route, Shown};

const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
/// The action every server offers as a click on the notification itself.
const DEFAULT_ACTION: &str = "default";
/// Clicks remembered for notifications the service has not said are closed (some never do):
/// beyond this, the longest-shown are forgotten.
const REMEMBERED: usize = 256;
/// Notifications waiting for the service; beyond this a popup is dropped (the core has
/// recorded each, and the tray and the window say the same).
const QUEUED: usize = 32;
/// Longest a call to the service may take: one that never answers holds up nothing for long.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers one profile's notifications through the desktop's notification service.
pub struct Desktop<R: Runtime> {
    app: AppSlot<R>,
    /// The profile these are about: a click while another is shown opens Settings, where the
    /// person moves back to it.
    mode: Mode,
}

impl<R: Runtime> Desktop<R> {
    /// Notifications of the profile `mode`, through the app in `app`.
    pub fn new(app: AppSlot<R>, mode: Mode) -> Self {
        Self { app, mode }
    }
}

impl<R: Runtime> Notifier for Desktop<R> {
    fn notify(&self, n: &Notification) {
        let Some(app) = self.app.get() else {
            // Nothing notifies before the app is built (the scheduler starts after it); the
            // core has recorded the notification in any case.
            tracing::warn!("a notification came before the app was ready");
            return;
        };
        show(app, &n.title, &n.body, Some(self.mode), opens(n.asks()));
    }
}

/// Where a click on a notification that asks `action` takes the person: the accounts it is
/// about, or (to unlock) the window as it is.
fn opens(action: Action) -> Option<Route> {
    match action {
        Action::Reconnect | Action::LogIn => Some(Route::Integrations(Shown::NeedingYou)),
        Action::RenewBeforeExpiry => Some(Route::Integrations(Shown::Expiring)),
        Action::Unlock => None,
    }
}

/// The start could not use the login keyring: say why, once, when no window shows it.
pub fn passphrase_needed<R: Runtime>(app: &AppHandle<R>, why: &str) {
    let body = format!("{why} Open Evergreen and unlock it to keep your accounts renewing.");
    show(app, "Evergreen needs its passphrase", &body, None, None);
}

/// Queue a notification whose click opens the window (on `route`, if any; on Settings if it is
/// about the profile `from` and another is shown by then). Never waits for the service, not
/// even to connect: one that is slow to answer holds up no renewal sweep, and a missing one
/// loses only the popup.
fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str, from: Option<Mode>, route: Option<Route>) {
    let Some(service) = Service::get() else { return };
    let app = app.clone();
    let click: Click = Box::new(move || {
        let on_main = app.clone();
        let opened = app.run_on_main_thread(move || {
            let elsewhere = from.is_some_and(|mode| mode != on_main.evergreen().mode());
            match (elsewhere, route) {
                (true, _) => window::show_at(&on_main, Route::Settings),
                (false, Some(route)) => window::show_at(&on_main, route),
                (false, None) => window::show(&on_main),
            }
        });
        if let Err(error) = opened {
            tracing::warn!(%error, "could not open the window for a notification");
        }
    });
    match service.queue.try_send(Queued { title: title.to_string(), body: body.to_string(), click }) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            tracing::warn!("notifications are waiting for the desktop: one not shown")
        }
        Err(TrySendError::Disconnected(_)) => tracing::warn!("notification not shown"),
    }
}

type Click = Box<dyn FnOnce() + Send>;

/// A notification on its way to the service.
struct Queued {
    title: String,
    body: String,
    click: Click,
}

/// The session bus connection to the notification service: one thread shows what is queued,
/// one listens for its signals; `clicks` says what a click on each notification shown does.
struct Service {
    queue: SyncSender<Queued>,
    clicks: Mutex<Clicks>,
}

/// What a click does, by notification id, forgotten in the order they were shown; and the
/// clicks heard, while a `Notify` was waiting for its answer, for an id not known yet (a click
/// can come before the answer). Only one `Notify` is in flight at a time (one worker), so an
/// early click can only be its.
#[derive(Default)]
struct Clicks {
    by_id: HashMap<u32, Click>,
    shown: VecDeque<u32>,
    in_flight: bool,
    early: HashSet<u32>,
}

impl Clicks {
    /// A `Notify` is about to be sent.
    fn sending(&mut self) {
        self.in_flight = true;
        self.early.clear();
    }

    /// The `Notify` in flight failed: nothing of it can be clicked.
    fn not_shown(&mut self) {
        self.in_flight = false;
        self.early.clear();
    }

    /// The `Notify` in flight was answered with `id`: remember `click` for it, or hand it
    /// back to run now if its click came first.
    fn shown(&mut self, id: u32, click: Click) -> Option<Click> {
        let early = self.early.remove(&id);
        self.not_shown();
        if early {
            return Some(click);
        }
        if self.by_id.insert(id, click).is_none() {
            self.shown.push_back(id);
        }
        while self.shown.len() > REMEMBERED {
            if let Some(old) = self.shown.pop_front() {
                self.by_id.remove(&old);
            }
        }
        None
    }

    /// The click to run for a click on `id`, or none (noted while a `Notify` waits for its
    /// answer, in case it is that one's).
    fn clicked(&mut self, id: u32) -> Option<Click> {
        let click = self.by_id.remove(&id);
        if click.is_some() {
            self.shown.retain(|shown| *shown != id);
        } else if self.in_flight && self.early.len() < 16 {
            self.early.insert(id);
        }
        click
    }

    fn closed(&mut self, id: u32) {
        self.early.remove(&id);
        if self.by_id.remove(&id).is_some() {
            self.shown.retain(|shown| *shown != id);
        }
    }
}

impl Service {
    /// The one service of this process. Getting it does no I/O (the caller may be a renewal
    /// sweep's task): its worker connects to the session bus before showing the first
    /// notification. `None` only if no thread could be started.
    fn get() -> Option<&'static Service> {
        static SERVICE: OnceLock<Option<Service>> = OnceLock::new();
        SERVICE
            .get_or_init(|| {
                let (queue, queued) = mpsc::sync_channel::<Queued>(QUEUED);
                let worker = std::thread::Builder::new().name("notify".into()).spawn(move || deliver(queued));
                match worker {
                    Ok(_) => Some(Service { queue, clicks: Mutex::default() }),
                    Err(error) => {
                        tracing::warn!(%error, "notifications are not shown");
                        None
                    }
                }
            })
            .as_ref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Clicks> {
        self.clicks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A signal from the service: a click runs (once) what the notification opens; a close
    /// forgets it. The lock is never held while the service is called or a click runs.
    fn heard(&self, signal: &zbus::message::Message) {
        let header = signal.header();
        let Some(member) = header.member() else { return };
        match member.as_str() {
            "ActionInvoked" => {
                let Ok((id, action)) = signal.body().deserialize::<(u32, String)>() else { return };
                if action != DEFAULT_ACTION {
                    return;
                }
                let click = self.lock().clicked(id);
                if let Some(click) = click {
                    click();
                }
            }
            "NotificationClosed" => {
                if let Ok((id, _reason)) = signal.body().deserialize::<(u32, u32)>() {
                    self.lock().closed(id);
                }
            }
            _ => {}
        }
    }
}

/// The worker: connect (and listen for clicks) before the first notification, then show each
/// as it comes. Without a session bus, says so once and drops what comes.
fn deliver(queued: mpsc::Receiver<Queued>) {
    let connection = match connect() {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(%error, "no desktop notification service: notifications are not shown");
            for _ in queued {}
            return;
        }
    };
    for next in queued {
        let Some(service) = Service::get() else { return };
        service.lock().sending();
        match notify(&connection, &next.title, &next.body) {
            Ok(id) => {
                let early = service.lock().shown(id, next.click);
                if let Some(click) = early {
                    click();
                }
            }
            Err(error) => {
                service.lock().not_shown();
                tracing::warn!(%error, "notification not shown");
            }
        }
    }
}

/// The session bus, every call bounded, with a thread listening to the notification service's
/// signals: subscribed before anything is shown, so that no click is missed.
fn connect() -> zbus::Result<zbus::blocking::Connection> {
    let connection = zbus::blocking::connection::Builder::session()?.method_timeout(CALL_TIMEOUT).build()?;
    let proxy = zbus::blocking::Proxy::new(&connection, SERVICE, PATH, SERVICE)?;
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
    Ok(connection)
}

/// Show one notification; its id.
fn notify(connection: &zbus::blocking::Connection, title: &str, body: &str) -> zbus::Result<u32> {
    let hints: HashMap<&str, Value> = HashMap::from([("desktop-entry", Value::from("Evergreen"))]);
    let actions = [DEFAULT_ACTION, "Open Evergreen"];
    let reply = connection.call_method(
        Some(SERVICE),
        PATH,
        Some(SERVICE),
        "Notify",
        // Named by its executable, as the notification plugin did; the hint names the desktop
        // entry (`Evergreen.desktop`), which desktops use for the icon and the name shown.
        &("evergreen", 0u32, "", title, body, &actions[..], hints, -1i32),
    )?;
    reply.body().deserialize()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting(runs: &std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Click {
        let runs = runs.clone();
        Box::new(move || {
            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
    }

    #[test]
    fn a_click_runs_once_even_when_it_comes_before_the_services_answer() {
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut clicks = Clicks::default();
        assert!(clicks.shown(1, counting(&runs)).is_none());
        clicks.clicked(1).expect("remembered")();
        assert!(clicks.clicked(1).is_none(), "once");
        // Clicked before `Notify` answered with its id: run as soon as the id is known.
        clicks.sending();
        assert!(clicks.clicked(2).is_none());
        clicks.shown(2, counting(&runs)).expect("its click came first")();
        // A click on an id nobody is waiting for is not kept: a later notification that gets
        // the same id (a restarted service) does not open the window by itself.
        assert!(clicks.clicked(7).is_none());
        clicks.sending();
        assert!(clicks.shown(7, counting(&runs)).is_none(), "nobody clicked this one");
        clicks.clicked(7).expect("its own click")();
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 3);
        // Closed: forgotten.
        assert!(clicks.shown(3, counting(&runs)).is_none());
        clicks.closed(3);
        assert!(clicks.by_id.is_empty() && clicks.shown.is_empty());
    }

    #[test]
    fn remembered_clicks_are_bounded_and_the_oldest_shown_go_first() {
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut clicks = Clicks::default();
        // Ids out of order (a restarted service counts from 1 again).
        for id in (1000..1000 + REMEMBERED as u32).chain(1..=10) {
            assert!(clicks.shown(id, counting(&runs)).is_none());
        }
        assert_eq!(clicks.by_id.len(), REMEMBERED);
        assert!(clicks.by_id.contains_key(&1) && clicks.by_id.contains_key(&10), "the newest stay");
        assert!(!clicks.by_id.contains_key(&1000), "the first shown went");
    }

    #[test]
    fn a_click_opens_where_the_action_is_done() {
        assert_eq!(opens(Action::Reconnect), Some(Route::Integrations(Shown::NeedingYou)));
        assert_eq!(opens(Action::LogIn), Some(Route::Integrations(Shown::NeedingYou)));
        assert_eq!(opens(Action::RenewBeforeExpiry), Some(Route::Integrations(Shown::Expiring)));
        assert_eq!(opens(Action::Unlock), None);
    }
}
