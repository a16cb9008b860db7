//! The app's state, managed once in `setup`, reached everywhere through [`EvergreenExt`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use evergreen_core::Evergreen;
use tauri::{Manager, Runtime};

use crate::config::Config;
use crate::models::LinkNotice;

/// Everything the shell keeps between calls. The page holds nothing the app needs: a window
/// built again from the tray shows the same state.
pub struct AppState {
    /// How the app was started.
    pub config: Config,
    /// The core of this profile.
    pub core: Evergreen,
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
    /// State for a profile.
    pub fn new(config: Config, core: Evergreen) -> Self {
        Self { config, core, notices: Mutex::default(), painted: tokio::sync::Notify::new() }
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
