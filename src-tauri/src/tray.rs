//! The tray: a menu rebuilt from `evergreen_core::tray::model` whenever the core reports a
//! change (debounced) and every few minutes (for "refreshed 2 h ago"). Linux delivers no
//! clicks on the icon, so everything is in the menu.

use std::time::Duration;

use evergreen_core::tray::{TrayItem, TrayModel};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};
use tokio::sync::mpsc;

use crate::state::EvergreenExt;
use crate::window;

const ICON: &[u8] = include_bytes!("../../icons/tray.png");
const ICON_ATTENTION: &[u8] = include_bytes!("../../icons/tray-attention.png");
/// Where, inside the profile, the panel reads the icon from (the tray library writes it to a
/// file). Left to itself the library falls back to the shared `/tmp/tray-icon` when the
/// session sets no runtime directory, which belongs to whichever user first ran such an app:
/// everyone else then gets no tray at all (Permission denied), and that user could swap ours.
const ICON_DIR: &str = "tray-icon";
/// Labels say "2 h ago": refresh them this often even when nothing happens.
const RELABEL: Duration = Duration::from_secs(15 * 60);
/// Changes arrive in bursts (a sweep updates many accounts): wait this long for the rest.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Asks for a rebuild; cheap to clone, never blocks.
#[derive(Clone)]
pub struct TrayPoke(mpsc::Sender<()>);

impl TrayPoke {
    /// A poke and the receiver the tray task listens on.
    pub fn new() -> (Self, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel(1);
        (Self(tx), rx)
    }

    /// Ask for a rebuild (a full channel already has one pending: nothing lost).
    pub fn poke(&self) {
        let _ = self.0.try_send(());
    }
}

/// Text shown as typed: in a menu item's text `&` marks the keyboard shortcut, so a label
/// such as "Smith & Sons" would lose it.
fn shown_as_is(text: &str) -> String {
    text.replace('&', "&&")
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for item in &model.items {
        match item {
            TrayItem::Label(text) => {
                menu.append(&MenuItem::with_id(app, "label", shown_as_is(text), false, None::<&str>)?)?
            }
            TrayItem::Account { id, label, active } => menu.append(&CheckMenuItem::with_id(
                app,
                format!("account:{id}"),
                shown_as_is(label),
                true,
                *active,
                None::<&str>,
            )?)?,
            TrayItem::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
            TrayItem::AllAccounts { label, needing_you } => menu.append(&MenuItem::with_id(
                app,
                if *needing_you { "all_accounts:needs_you" } else { "all_accounts" },
                label,
                true,
                None::<&str>,
            )?)?,
            TrayItem::RefreshAll { enabled } => {
                menu.append(&MenuItem::with_id(app, "refresh_all", "Refresh all", *enabled, None::<&str>)?)?
            }
            TrayItem::Open => {
                menu.append(&MenuItem::with_id(app, "open", "Open Evergreen", true, None::<&str>)?)?
            }
            TrayItem::Lock => menu.append(&MenuItem::with_id(app, "lock", "Lock", true, None::<&str>)?)?,
            TrayItem::Unlock => {
                menu.append(&MenuItem::with_id(app, "unlock", "Unlock…", true, None::<&str>)?)?
            }
            TrayItem::Quit { label } => {
                menu.append(&MenuItem::with_id(app, "quit", label, true, None::<&str>)?)?
            }
        }
    }
    Ok(menu)
}

fn apply<R: Runtime>(app: &AppHandle<R>, tray: &TrayIcon<R>) {
    let started = std::time::Instant::now();
    let model = match app.evergreen().core().tray_model() {
        Ok(model) => model,
        Err(error) => {
            tracing::warn!(%error, "tray not updated");
            return;
        }
    };
    let model = match app.evergreen().behind().map(|behind| behind.core.tray_model()) {
        Some(Ok(behind)) => model.with_real_accounts_behind(&behind),
        Some(Err(error)) => {
            tracing::warn!(%error, "the real accounts behind the demo not looked at");
            model
        }
        None => model,
    };
    match build_menu(app, &model) {
        Ok(menu) => {
            let _ = tray.set_menu(Some(menu));
        }
        Err(error) => tracing::warn!(%error, "tray menu not built"),
    }
    let icon = if model.attention { ICON_ATTENTION } else { ICON };
    if let Ok(image) = Image::from_bytes(icon) {
        let _ = tray.set_icon(Some(image));
    }
    // The whole rebuild, as the agency benchmark reports it: the accounts read, the model,
    // the menu built and handed to the panel.
    let took_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::debug!(items = model.items.len(), took_us, "tray rebuilt");
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "open" | "unlock" => window::show(app),
        "all_accounts" => window::show_at(app, window::Route::Integrations(window::Shown::All)),
        "all_accounts:needs_you" => {
            window::show_at(app, window::Route::Integrations(window::Shown::NeedingYou))
        }
        "lock" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(error) = app.evergreen().lock_all().await {
                    tracing::warn!(%error, "lock from the tray");
                }
            });
        }
        "refresh_all" => {
            let core = app.evergreen().core().clone();
            tauri::async_runtime::spawn(async move {
                if let Err(error) = core.refresh_all().await {
                    tracing::warn!(%error, "refresh all from the tray");
                }
            });
        }
        "quit" => quit(app),
        other => {
            if let Some(account) = other.strip_prefix("account:")
                && let Err(error) = app.evergreen().core().set_active_account(account)
            {
                tracing::warn!(%error, "switch from the tray");
            }
        }
    }
}

/// Quit for real, after letting renewals in flight finish and saving every result (at most a
/// few seconds), so a new token Instagram already issued is not thrown away.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // At most a few seconds for the calls in flight; whatever they staged by then is saved
        // in any case.
        crate::profile::shut_down_and_exit(&app, Duration::from_secs(5)).await;
    });
}

/// The tray appears at the latest this long after start-up, painted or not.
const AFTER_PAINT_AT_THE_LATEST: Duration = Duration::from_secs(3);

/// Create the tray once the window's first screen is painted: building it holds the main
/// thread for 10–80 ms, which the page's start-up needs then (WebKit's requests for the app's
/// own files are answered there). Without a window (started at login) call [`start`].
pub fn start_after_first_paint<R: Runtime>(app: &AppHandle<R>, pokes: mpsc::Receiver<()>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let _ = tokio::time::timeout(AFTER_PAINT_AT_THE_LATEST, app.evergreen().first_paint()).await;
        let main = app.clone();
        let started = app.run_on_main_thread(move || {
            if let Err(error) = start(&main, pokes) {
                tracing::warn!(%error, "no tray icon");
            }
        });
        if let Err(error) = started {
            tracing::warn!(%error, "no tray icon");
        }
    });
}

/// Create the tray and the task that keeps it current.
pub fn start<R: Runtime>(app: &AppHandle<R>, mut pokes: mpsc::Receiver<()>) -> tauri::Result<()> {
    let tray = TrayIconBuilder::with_id("main")
        .icon(Image::from_bytes(ICON)?)
        .temp_dir_path(app.evergreen().core().data_dir().root().join(ICON_DIR))
        .menu(&Menu::new(app)?)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    apply(app, &tray);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let poked = tokio::time::timeout(RELABEL, pokes.recv()).await;
            if matches!(poked, Ok(None)) {
                return;
            }
            tokio::time::sleep(DEBOUNCE).await;
            while pokes.try_recv().is_ok() {}
            if let Some(tray) = app.tray_by_id("main") {
                apply(&app, &tray);
            }
        }
    });
    Ok(())
}
