//! The one scheduler task: sleep until the earliest due refresh, but never longer than
//! [`RECHECK`] of monotonic time, and re-read the wall clock on waking (a suspended laptop's
//! monotonic clock stops; its wall clock does not). Idle means asleep: at most one wake-up
//! per [`RECHECK`] when nothing is due, and never a loop: after a sweep that could not write
//! its results, or that left an account it looked at still due, it rests
//! [`AFTER_FAILED_WRITE`] before looking again.

use std::time::Duration;

use crate::Evergreen;
use crate::vault::VaultState;

use super::Trigger;

/// Longest sleep: a suspend is noticed within this much running time.
pub const RECHECK: Duration = Duration::from_secs(5 * 60);
/// Rest after a sweep whose results could not all be written (a full disk, a database held
/// by another program), so a failing write never turns into a loop of calls to Instagram.
pub const AFTER_FAILED_WRITE: Duration = Duration::from_secs(60);

impl Evergreen {
    /// Run the scheduler until the task is dropped. Spawn it once per app run.
    pub async fn run_scheduler(self) {
        loop {
            // Registered before looking at the state, so a wake-up between the look and the
            // sleep is not lost; `notify_waiters` stores nothing, so no stale wake-up either.
            let woken = self.engine().wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let mut rest = None;
            if self.vault_state() == VaultState::Unlocked {
                if self.engine().take_catch_up() {
                    self.recover_orphan_tokens().await;
                    let ids = self
                        .store()
                        .read(|r| r.accounts())
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| a.id)
                        .collect();
                    let began = std::time::Instant::now();
                    let report = self.sweep(ids, Trigger::Unlock).await;
                    tracing::info!(
                        refreshed = report.refreshed,
                        checked = report.checked,
                        retrying = report.retrying,
                        need_attention = report.need_attention,
                        took_ms = began.elapsed().as_millis() as u64,
                        "every account checked after the unlock"
                    );
                    if !report.write_failed {
                        continue;
                    }
                    rest = Some(AFTER_FAILED_WRITE);
                } else {
                    let due = self.due_now(self.now());
                    if !due.is_empty() {
                        let report = self.sweep(due.clone(), Trigger::Scheduled).await;
                        let still_due = self.due_now(self.now()).iter().any(|id| due.contains(id));
                        if !report.write_failed && !still_due {
                            continue;
                        }
                        rest = Some(AFTER_FAILED_WRITE);
                    } else if self.ledger().is_dirty() {
                        // A renewed token the vault refused earlier: try to save it again.
                        let this = self.clone();
                        let failed = tokio::task::spawn_blocking(move || this.ledger().flush(&this).failed())
                            .await
                            .unwrap_or(true);
                        if failed {
                            rest = Some(AFTER_FAILED_WRITE);
                        }
                    } else if self.tokens_wait_to_be_forgotten() {
                        // A disconnect whose removal the vault refused earlier: try again.
                        let this = self.clone();
                        let failed = tokio::task::spawn_blocking(move || {
                            this.forget_tokens_of_disconnected().is_err()
                        })
                        .await
                        .unwrap_or(true);
                        if failed {
                            rest = Some(AFTER_FAILED_WRITE);
                        }
                    }
                }
            }
            // Time alone can call for a warning (expiry near, a renewal due while locked).
            if let Err(error) = self.notify_due() {
                tracing::error!(%error, "notifications not checked");
            }
            let wait = rest.unwrap_or_else(|| self.until_next_due());

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
            // At least a second: a due time the sweep could not act on never becomes a loop.
            Some(at) => {
                (at - self.now()).to_std().unwrap_or(Duration::ZERO).clamp(Duration::from_secs(1), RECHECK)
            }
            None => RECHECK,
        }
    }
}
