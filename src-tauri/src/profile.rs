//! The profile open now — real accounts or the pretend Instagram — and moving between them.
//!
//! Each mode has its own data directory (real: the data directory; demo: its `demo/`), so
//! their data never mix. Moving opens the other profile first (nothing changes if that
//! fails), records the choice and puts the new profile in place. The real profile is never
//! closed for the demo: it stays open behind it, renewing (or, locked, warning before
//! anything expires), and only its page is hidden; coming back shows it again. The demo,
//! left, lets its calls finish, is saved and locked (its keys leave memory) and closed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use evergreen_core::clock::SystemClock;
use evergreen_core::keyring::{Early, LoginKeyring, SecretService};
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{StrongholdVault, TokenVault};
use evergreen_core::{Evergreen, StartUnlock};
use evergreen_instagram::{Endpoints, Url};
use tauri::{AppHandle, Manager, Runtime};

use crate::app_slot::AppSlot;
use crate::config::{Config, Mode, Start, keys, save_user_setting};
use crate::demo::Demo;
use crate::error::IpcError;
use crate::state::EvergreenExt;
use crate::tray::TrayPoke;

/// How long the old profile's calls to Instagram may take to finish when moving.
const SETTLE: Duration = Duration::from_secs(5);

/// An open profile: its core, its mode and, in demo mode, the pretend services.
pub struct Opened {
    /// The profile's core.
    pub core: Evergreen,
    /// Real or demo.
    pub mode: Mode,
    /// The pretend Instagram and relay (demo mode), stopped when dropped.
    pub demo: Option<Demo>,
    scheduler: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    /// The start's unlock with the login keyring, begun as the profile opened.
    start_unlock: Mutex<Option<tauri::async_runtime::JoinHandle<StartUnlock>>>,
    /// Whether the page shows this profile: only then do its changes reach the page.
    shown: Arc<AtomicBool>,
}

impl Opened {
    /// A profile whose renewals are not scheduled (yet); `shown` is the flag its core's
    /// changes were wired to (see [`open_core`]).
    pub fn new(core: Evergreen, mode: Mode, demo: Option<Demo>, shown: Arc<AtomicBool>) -> Self {
        Self { core, mode, demo, scheduler: Mutex::new(None), start_unlock: Mutex::new(None), shown }
    }

    /// With automatic unlock on, begin opening the vault with the login keyring now (at start,
    /// while Tauri is still building the app); the scheduler waits for it before its first
    /// sweep.
    fn begin_start_unlock(&self) {
        let core = self.core.clone();
        let task = tauri::async_runtime::spawn(async move { core.unlock_at_start().await });
        if let Some(old) = self.start_unlock.lock().unwrap_or_else(PoisonError::into_inner).replace(task) {
            old.abort();
        }
    }

    fn show(&self, shown: bool) {
        self.shown.store(shown, Ordering::SeqCst);
    }

    /// Start renewing: with automatic unlock on, open the vault with the login keyring, then
    /// run the scheduler until the profile is closed, also with the window closed.
    pub fn start_scheduler<R: Runtime>(&self, app: &AppHandle<R>) {
        let (core, app, shown) = (self.core.clone(), app.clone(), self.shown.clone());
        let begun = self.start_unlock.lock().unwrap_or_else(PoisonError::into_inner).take();
        let task = tauri::async_runtime::spawn(async move {
            // The keyring before the first sweep: a sweep on the vault still locked would warn
            // that it is locked for nothing.
            let start_unlock = match begun {
                Some(begun) => begun.await.unwrap_or(StartUnlock::NotTried),
                None => core.unlock_at_start().await,
            };
            if let StartUnlock::NeedsPassphrase(why) = start_unlock {
                // The page says it on the unlock screen; the desktop only when nobody will see
                // it there (started hidden with no window opened since, or a profile behind).
                let no_page = app.evergreen().config.start_hidden && !crate::window::is_visible(&app);
                if !shown.load(Ordering::SeqCst) || no_page {
                    crate::notify::passphrase_needed(&app, &why);
                }
            }
            core.run_scheduler().await;
        });
        if let Some(old) = self.scheduler.lock().unwrap_or_else(PoisonError::into_inner).replace(task) {
            old.abort();
        }
    }

    /// Stop renewing, let calls in flight finish (up to [`SETTLE`]), save, lock the vault
    /// and give the directory up.
    pub(crate) async fn close(&self) {
        // The core first: it refuses new calls and lets the scheduler's calls in flight finish
        // and stage their renewals. Aborting the scheduler before would drop a renewal between
        // Instagram's answer and its staging, and with it the only copy of the new token.
        if let Err(error) = self.core.close(tokio::time::sleep(SETTLE)).await {
            tracing::warn!(%error, "closing the profile moved away from");
        }
        if let Some(task) = self.scheduler.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
    }
}

/// Where the profiles live: the configured data directory, or the desktop's data directory
/// for `identifier` — the directory Tauri's `app_data_dir` names, found without the app so
/// that the profile can open while the app is still being built.
pub fn data_root(config: &Config, identifier: &str) -> Result<PathBuf, NoDataDirectory> {
    config
        .data_dir
        .clone()
        .or_else(|| dirs::data_dir().map(|dir| dir.join(identifier)))
        .ok_or(NoDataDirectory)
}

/// Neither `data_dir` nor the desktop (`$XDG_DATA_HOME`, `$HOME`) names a place for data.
#[derive(Debug, thiserror::Error)]
#[error("Evergreen found no place for its data: set HOME, or data_dir in its configuration.")]
pub struct NoDataDirectory;

/// A mode's profile directory under the data root.
pub fn directory(root: &Path, mode: Mode) -> PathBuf {
    match mode {
        Mode::Real => root.to_path_buf(),
        Mode::Demo => root.join(evergreen_core::paths::DEMO_PROFILE),
    }
}

/// Whether a mode's profile under `root` already holds a vault.
pub fn has_vault(root: &Path, mode: Mode) -> bool {
    DataDir::new(directory(root, mode)).vault_exists()
}

/// The data root of the running app.
pub fn app_data_root<R: Runtime>(app: &impl Manager<R>, config: &Config) -> Result<PathBuf, NoDataDirectory> {
    data_root(config, &app.config().identifier)
}

/// Open a mode's profile as the product does: its Stronghold vault, and for demo mode the
/// pretend Instagram and relay on loopback; real mode connects through `relay` (when one is
/// set) and renews with Instagram.
pub async fn open<R: Runtime>(
    app: &AppSlot<R>,
    config: &Config,
    root: &Path,
    mode: Mode,
    relay: Option<Url>,
    tray: Option<TrayPoke>,
) -> Result<Opened, Box<dyn std::error::Error + Send + Sync>> {
    let data_dir = directory(root, mode);
    evergreen_core::paths::create_private_dir(&data_dir)?;
    tracing::info!(data_dir = %data_dir.display(), demo = (mode == Mode::Demo), "starting");
    let vault = StrongholdVault::new(&DataDir::new(&data_dir));
    let keyring: Arc<dyn LoginKeyring> = Arc::new(SecretService::session());
    // With automatic unlock on, the keyring is asked now: its round trips overlap the rest
    // of the opening, and the start's unlock takes the answer.
    let keyring = match vault.keyring_vault_id() {
        Ok(Some(vault_id)) => Arc::new(Early::begin(keyring, vault_id)),
        Ok(None) | Err(_) => keyring,
    };
    let (relay, instagram, threads, demo) = match mode {
        Mode::Real => (
            relay,
            config.instagram.as_ref().map_or_else(Endpoints::instagram, Endpoints::single_host),
            config.threads.as_ref().map_or_else(
                evergreen_instagram::threads::Endpoints::threads,
                evergreen_instagram::threads::Endpoints::single_host,
            ),
            None,
        ),
        Mode::Demo => {
            let demo = crate::demo::start(&data_dir.join("demo-instagram.json")).await?;
            (Some(demo.relay.clone()), demo.instagram.clone(), demo.threads.clone(), Some(demo))
        }
    };
    let wiring = crate::Wiring {
        vault: Box::new(vault),
        relay,
        instagram,
        threads,
        notifier: Arc::new(crate::notify::Desktop::new(app.clone(), mode)),
        tray,
        keyring,
    };
    let shown = Arc::new(AtomicBool::new(true));
    let core = open_core(app, config, data_dir, wiring, shown.clone())?;
    Ok(Opened::new(core, mode, demo, shown))
}

/// The profiles open at start.
pub struct AtStart {
    /// Which profile shows, and whether the person still has to choose.
    pub start: Start,
    /// The profile shown.
    pub shown: Opened,
    /// The real profile behind the demo, when real accounts exist.
    pub behind: Option<Opened>,
}

/// The profiles to open at start: the one chosen, and, when that is the demo and real
/// accounts exist, the real profile behind it (locked), so their expiry is still watched and
/// warned of. The real profile failing to open is logged, never a reason not to start. Each
/// begins its unlock with the login keyring (when that is on) as soon as it is open.
pub async fn open_at_start<R: Runtime>(
    app: &AppSlot<R>,
    config: &Config,
    identifier: &str,
    tray: Option<TrayPoke>,
) -> Result<AtStart, Box<dyn std::error::Error + Send + Sync>> {
    let root = data_root(config, identifier)?;
    let start = config.start(|mode| has_vault(&root, mode));
    let relay = config.sign_in.as_ref().map(|s| s.url.clone());
    let shown = open(app, config, &root, start.mode, relay.clone(), tray.clone()).await?;
    shown.begin_start_unlock();
    if start.mode != Mode::Demo || !has_vault(&root, Mode::Real) {
        return Ok(AtStart { start, shown, behind: None });
    }
    let behind = match open(app, config, &root, Mode::Real, relay, tray).await {
        Ok(behind) => {
            behind.show(false);
            behind.begin_start_unlock();
            Some(behind)
        }
        Err(error) => {
            tracing::error!(%error, "the real accounts could not be opened behind the demo");
            None
        }
    };
    Ok(AtStart { start, shown, behind })
}

/// A profile's core over `wiring`; its changes become events while `shown` (and tray
/// rebuilds).
pub fn open_core<R: Runtime>(
    app: &AppSlot<R>,
    config: &Config,
    data_dir: PathBuf,
    wiring: crate::Wiring,
    shown: Arc<AtomicBool>,
) -> Result<Evergreen, evergreen_core::Error> {
    let app = app.clone();
    let crate::Wiring { vault, relay, instagram, threads, notifier, tray, keyring } = wiring;
    let sink = Arc::new(move |change| {
        // A profile behind the page (the real one while the demo shows) must not make the
        // page believe its own vault locked or its list changed.
        if let Some(app) = app.get().filter(|_| shown.load(Ordering::SeqCst)) {
            crate::events::emit_change(app, change);
        }
        if let Some(tray) = &tray {
            tray.poke();
        }
    });
    let vault: Box<dyn TokenVault> = vault;
    Evergreen::open(evergreen_core::Setup {
        data_dir: DataDir::new(data_dir),
        clock: Arc::new(SystemClock),
        vault,
        sink,
        relay,
        instagram,
        threads,
        instagram_timeout: None,
        notifier,
        flow_ttl: config.connect_ttl_secs.map(|s| chrono::Duration::seconds(i64::from(s))),
        keyring,
    })
}

/// Move to `mode` (the first-run choice, or Settings): record the choice, and show that
/// mode's profile in place of the other. Choosing the mode already shown only records it.
pub async fn choose<R: Runtime>(app: &AppHandle<R>, mode: Mode) -> Result<(), IpcError> {
    let state = app.evergreen();
    let _one_at_a_time = state.switching.lock().await;
    let relay = state.sign_in().map(|s| s.url);
    if mode == Mode::Real && relay.is_none() {
        return Err(evergreen_core::Error::from(evergreen_core::connect::Error::NoSignInService).into());
    }
    let record = || save_user_setting(&state.config.files.user, keys::MODE, mode.as_str());
    if state.mode() == mode {
        record()?;
        state.chosen();
        return Ok(());
    }
    let kept = if mode == Mode::Real { state.take_behind() } else { None };
    let next = match kept {
        Some(kept) => kept,
        None => {
            let root = app_data_root(app, &state.config).map_err(|error| IpcError::internal(&error))?;
            let opened = open(&AppSlot::ready(app), &state.config, &root, mode, relay, state.tray.clone())
                .await
                .map_err(|error| match error.downcast::<evergreen_core::Error>() {
                    Ok(error) => IpcError::from(*error),
                    Err(error) => IpcError::internal(&error),
                })?;
            opened.start_scheduler(app);
            Arc::new(opened)
        }
    };
    // Not kept, the choice would come back at the next start: put everything back.
    if let Err(error) = record() {
        if next.mode == Mode::Real {
            next.show(false);
            state.set_behind(next);
        } else {
            next.close().await;
        }
        return Err(error.into());
    }
    next.show(true);
    let old = state.replace(next);
    old.show(false);
    state.chosen();
    if let Some(tray) = &state.tray {
        tray.poke();
    }
    tracing::info!(mode = mode.as_str(), "moved to the other profile");
    if old.mode == Mode::Real {
        // Still renewing (or warning, locked) behind the demo.
        state.set_behind(old);
    } else {
        old.close().await;
    }
    Ok(())
}

/// *Quit*: after any move under way, let every open profile's calls in flight finish (up to
/// `settle`), save what they staged, and end the app, with no move starting meanwhile.
pub async fn shut_down_and_exit<R: Runtime>(app: &AppHandle<R>, settle: Duration) {
    let state = app.evergreen();
    let _no_move_meanwhile = state.switching.lock().await;
    let deadline = tokio::time::Instant::now() + settle;
    let save = |opened: Arc<Opened>| async move {
        if let Err(error) = opened.core.shutdown(tokio::time::sleep_until(deadline)).await {
            tracing::error!(%error, mode = opened.mode.as_str(), "quitting with results unsaved");
        }
    };
    let behind = state.behind();
    tokio::join!(save(state.opened()), async {
        if let Some(behind) = behind {
            save(behind).await;
        }
    });
    app.exit(0);
}
