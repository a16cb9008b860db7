//! The app handle, once the app exists. At start the profiles open beside Tauri's own
//! start-up (GTK, the plugins), so that a login start is unlocked by the keyring before the
//! window could even show; their cores are wired to this slot, filled when `setup` runs.

use std::sync::{Arc, OnceLock};

use tauri::{AppHandle, Runtime};

/// Where a profile's events and notifications go: nowhere until the app is built. Nothing is
/// lost then: there is no page to tell yet (it asks for the state when it loads), and the
/// scheduler, which is what notifies, starts after `setup`.
pub struct AppSlot<R: Runtime>(Arc<OnceLock<AppHandle<R>>>);

impl<R: Runtime> Clone for AppSlot<R> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<R: Runtime> AppSlot<R> {
    /// A slot for an app still being built.
    pub fn empty() -> Self {
        Self(Arc::new(OnceLock::new()))
    }

    /// A slot for the app that exists already.
    pub fn ready(app: &AppHandle<R>) -> Self {
        let slot = Self::empty();
        slot.fill(app);
        slot
    }

    /// The app is built (a second fill keeps the first).
    pub fn fill(&self, app: &AppHandle<R>) {
        let _ = self.0.set(app.clone());
    }

    /// The app, once built.
    pub fn get(&self) -> Option<&AppHandle<R>> {
        self.0.get()
    }
}
