//! The app's state, managed once in `setup`, reached everywhere through [`EvergreenExt`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use evergreen_core::Evergreen;
use tauri::{Manager, Runtime};

use crate::config::{Config, Mode, SignInService};
use crate::models::LinkNotice;
use crate::profile::Opened;
use crate::tray::TrayPoke;

/// Everything the shell keeps between calls. The page holds nothing the app needs: a window
/// built again from the tray shows the same state.
pub struct AppState {
    /// How the app was started.
    pub config: Config,
    /// The profile the page shows; replaced whole when the person moves between real and demo.
    opened: RwLock<Arc<Opened>>,
    /// The real profile while the demo is shown: still open, so its accounts keep renewing
    /// (or, locked, are warned of before they expire).
    behind: Mutex<Option<Arc<Opened>>>,
    /// The sign-in service in use (Settings can change it while the app runs).
    sign_in: Mutex<Option<SignInService>>,
    /// The person has not yet chosen between real accounts and the pretend Instagram.
    first_run: AtomicBool,
    /// One move between profiles at a time.
    pub(crate) switching: tokio::sync::Mutex<()>,
    /// The tray to keep current, when there is one (a new profile's changes poke it too).
    pub(crate) tray: Option<TrayPoke>,
    notices: Mutex<Notices>,
    painted: tokio::sync::Notify,
}

/// Outcomes of delivered links, buffered until the user has seen them: a link can arrive
/// before the page exists (cold start) or while the window is closed.
#[derive(Default)]
struct Notices {
    next_id: u64,
    items: Vec<LinkNotice>,
}

/// Notices kept at most; a flood of forged links cannot grow memory.
const MAX_NOTICES: usize = 8;

impl AppState {
    /// State for the profile opened at start.
    pub fn new(
        config: Config,
        opened: Opened,
        behind: Option<Opened>,
        first_run: bool,
        tray: Option<TrayPoke>,
    ) -> Self {
        Self {
            sign_in: Mutex::new(config.sign_in.clone()),
            config,
            opened: RwLock::new(Arc::new(opened)),
            behind: Mutex::new(behind.map(Arc::new)),
            first_run: AtomicBool::new(first_run),
            switching: tokio::sync::Mutex::new(()),
            tray,
            notices: Mutex::default(),
            painted: tokio::sync::Notify::new(),
        }
    }

    /// The profile open now.
    pub fn opened(&self) -> Arc<Opened> {
        self.opened.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The core of the profile open now. A call that began on a profile finishes on it.
    pub fn core(&self) -> Evergreen {
        self.opened().core.clone()
    }

    /// Real or demo.
    pub fn mode(&self) -> Mode {
        self.opened().mode
    }

    /// Put another profile in place; answers the one it replaces.
    pub(crate) fn replace(&self, opened: Arc<Opened>) -> Arc<Opened> {
        std::mem::replace(&mut *self.opened.write().unwrap_or_else(PoisonError::into_inner), opened)
    }

    /// The real profile kept open behind the demo, if any.
    pub fn behind(&self) -> Option<Arc<Opened>> {
        self.behind.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn take_behind(&self) -> Option<Arc<Opened>> {
        self.behind.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    pub(crate) fn set_behind(&self, opened: Arc<Opened>) {
        *self.behind.lock().unwrap_or_else(PoisonError::into_inner) = Some(opened);
    }

    /// *Lock*: the shown profile and the real one behind the demo, so no key stays in memory.
    pub async fn lock_all(&self) -> Result<(), evergreen_core::Error> {
        let shown = self.opened().core.clone();
        let behind = self.behind().map(|b| b.core.clone());
        let (shown, behind) = tokio::join!(shown.lock(), async {
            match behind {
                Some(core) => core.lock().await,
                None => Ok(()),
            }
        });
        shown.and(behind)
    }

    /// The sign-in service in use.
    pub fn sign_in(&self) -> Option<SignInService> {
        self.sign_in.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Use another sign-in service from now on.
    pub(crate) fn set_sign_in(&self, service: SignInService) {
        *self.sign_in.lock().unwrap_or_else(PoisonError::into_inner) = Some(service);
    }

    /// Whether the person still has to choose between real and demo.
    pub fn first_run(&self) -> bool {
        self.first_run.load(Ordering::SeqCst)
    }

    /// The person chose.
    pub(crate) fn chosen(&self) {
        self.first_run.store(false, Ordering::SeqCst);
    }

    /// A window's page has painted its first screen.
    pub fn page_painted(&self) {
        // Kept as a permit when nobody waits yet; later paints (a reopened window) add nothing.
        self.painted.notify_one();
    }

    /// Until a window's page has painted its first screen.
    pub async fn first_paint(&self) {
        self.painted.notified().await;
    }

    fn notices(&self) -> MutexGuard<'_, Notices> {
        self.notices.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Buffer a notice for the UI, dropping the oldest beyond [`MAX_NOTICES`].
    pub fn push_notice(&self, make: impl FnOnce(u64) -> LinkNotice) {
        let mut notices = self.notices();
        notices.next_id += 1;
        let notice = make(notices.next_id);
        notices.items.push(notice);
        if notices.items.len() > MAX_NOTICES {
            notices.items.remove(0);
        }
    }

    /// The notices not yet dismissed, oldest first.
    pub fn notices_snapshot(&self) -> Vec<LinkNotice> {
        self.notices().items.clone()
    }

    /// Forget a notice the user dismissed. Unknown ids are ignored: dismissing twice is fine.
    pub fn dismiss_notice(&self, id: u64) {
        self.notices().items.retain(|n| n.id != id);
    }
}

/// Reach the [`AppState`] from anything that can reach the app.
pub trait EvergreenExt<R: Runtime> {
    /// The app's state.
    fn evergreen(&self) -> &AppState;
}

impl<R: Runtime, T: Manager<R>> EvergreenExt<R> for T {
    fn evergreen(&self) -> &AppState {
        self.state::<AppState>().inner()
    }
}
