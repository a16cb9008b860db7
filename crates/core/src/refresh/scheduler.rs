//! The one scheduler task: sleep until the earliest due refresh, but never longer than
//! [`RECHECK`] of monotonic time, and re-read the wall clock on waking (a suspended laptop's
//! monotonic clock stops; its wall clock does not). Idle means asleep: at most one wake-up
//! per [`RECHECK`] when nothing is due.

use std::time::Duration;

use crate::Evergreen;
use crate::vault::VaultState;

use super::Trigger;

/// Longest sleep: a suspend is noticed within this much running time.
pub const RECHECK: Duration = Duration::from_secs(5 * 60);

impl Evergreen {
    /// Run the scheduler until the task is dropped. Spawn it once per app run.
    pub async fn run_scheduler(self) {
        loop {
            // Registered before looking at the state, so a wake-up between the look and the
            // sleep is not lost; `notify_waiters` stores nothing, so no stale wake-up either.
            let woken = self.engine().wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.vault_state() == VaultState::Unlocked {
                if self.engine().take_catch_up() {
                    let ids = self
                        .store()
                        .read(|r| r.accounts())
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| a.id)
                        .collect();
                    self.sweep(ids, Trigger::Unlock).await;
                    continue;
                }
                let due = self.due_now(self.now());
                if !due.is_empty() {
                    self.sweep(due, Trigger::Scheduled).await;
                    continue;
                }
            }
            // Time alone can call for a warning (expiry near, a renewal due while locked).
            if let Err(error) = self.notify_due() {
                tracing::error!(%error, "notifications not checked");
            }
            let wait = self.until_next_due();
            let sleep = self.clock().sleep(wait);
            tokio::select! {
                () = sleep => {}
                () = woken => {}
            }
        }
    }

    /// How long to sleep: until the earliest due refresh, at most [`RECHECK`].
    fn until_next_due(&self) -> Duration {
        if self.vault_state() != VaultState::Unlocked {
            return RECHECK;
        }
        let earliest = self.store().read(|r| r.earliest_refresh()).ok().flatten();
        match earliest {
            Some(at) => (at - self.now()).to_std().unwrap_or(Duration::ZERO).min(RECHECK),
            None => RECHECK,
        }
    }
}
