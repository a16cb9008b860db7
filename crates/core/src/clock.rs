//! Time, passed in. Nothing in policy, scheduling or expiry code reads the system clock
//! directly: it asks a [`Clock`], which is the system's in the product and a [`ManualClock`]
//! in tests, so months of refreshes run in seconds and never sleep for real.
//!
//! A clock has two faces because a laptop has two: *wall* time (what expiry dates are
//! measured against, and what jumps forward after a suspend) and *monotonic* time (what a
//! sleeping task counts, and what stops while the machine sleeps).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, oneshot};

/// A future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The source of time for everything in the core.
pub trait Clock: Send + Sync + 'static {
    /// Wall-clock time now.
    fn now(&self) -> DateTime<Utc>;
    /// Wait for `duration` of monotonic time. It may last longer in wall time (a suspended
    /// laptop), so callers re-read [`now`](Self::now) on waking.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The operating system's clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when told to. Cloning shares the same time.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

struct ManualInner {
    state: Mutex<ManualState>,
    /// Signalled whenever a sleeper registers, so a test can wait for a task to go idle.
    sleeper_added: Notify,
}

struct ManualState {
    wall: DateTime<Utc>,
    monotonic: Duration,
    sleepers: Vec<(Duration, oneshot::Sender<()>)>,
    sleeps_started: u64,
}

impl ManualClock {
    /// A clock whose wall time reads `start`.
    pub fn at(start: DateTime<Utc>) -> Self {
        Self {
            inner: Arc::new(ManualInner {
                state: Mutex::new(ManualState {
                    wall: start,
                    monotonic: Duration::ZERO,
                    sleepers: Vec::new(),
                    sleeps_started: 0,
                }),
                sleeper_added: Notify::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.inner.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Move both clocks forward, waking every sleeper whose time has come.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state();
        state.wall += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        state.monotonic += by;
        let now = state.monotonic;
        let (due, waiting): (Vec<_>, Vec<_>) =
            state.sleepers.drain(..).partition(|(deadline, _)| *deadline <= now);
        state.sleepers = waiting;
        drop(state);
        for (_, wake) in due {
            let _ = wake.send(());
        }
    }

    /// Move only the wall clock, as a suspended laptop sees it on waking.
    pub fn jump_wall(&self, by: Duration) {
        let mut state = self.state();
        state.wall += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
    }

    /// Set the wall clock back (a person or NTP correcting it); monotonic time does not move.
    pub fn jump_wall_back(&self, by: Duration) {
        let mut state = self.state();
        state.wall -= chrono::Duration::from_std(by).unwrap_or(chrono::Duration::zero());
    }

    /// How many sleeps have ever been started: a test reads it to count a task's wake-ups.
    pub fn sleeps_started(&self) -> u64 {
        self.state().sleeps_started
    }

    /// The earliest pending sleeper's remaining monotonic time, if any sleeps. Sleeps whose
    /// future was dropped (a `select!` that woke another way) do not count.
    pub fn next_wake_in(&self) -> Option<Duration> {
        let mut state = self.state();
        state.sleepers.retain(|(_, wake)| !wake.is_closed());
        state.sleepers.iter().map(|(deadline, _)| deadline.saturating_sub(state.monotonic)).min()
    }

    /// Wait (in real time, without a timer) until at least `n` sleeps have been started in
    /// total: how a test knows a task has finished its work and gone back to sleep.
    pub async fn until_sleeps_started(&self, n: u64) {
        loop {
            let notified = self.inner.sleeper_added.notified();
            if self.sleeps_started() >= n {
                return;
            }
            notified.await;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.state().wall
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let (wake, woken) = oneshot::channel();
        {
            let mut state = self.state();
            let deadline = state.monotonic + duration;
            state.sleeps_started += 1;
            if duration.is_zero() {
                let _ = wake.send(());
            } else {
                state.sleepers.push((deadline, wake));
            }
        }
        self.inner.sleeper_added.notify_waiters();
        Box::pin(async move {
            // A dropped clock never wakes its sleepers: they wait forever, like time stopped.
            if woken.await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[tokio::test]
    async fn sleepers_wake_only_when_monotonic_time_reaches_them() {
        let clock = ManualClock::at(start());
        let sleep = clock.sleep(Duration::from_secs(60));
        let handle = tokio::spawn(sleep);
        clock.jump_wall(Duration::from_secs(3600));
        tokio::task::yield_now().await;
        assert!(!handle.is_finished(), "a wall-clock jump must not wake a monotonic sleeper");
        clock.advance(Duration::from_secs(60));
        handle.await.unwrap();
        assert_eq!(clock.now(), start() + chrono::Duration::seconds(3660));
    }

    #[tokio::test]
    async fn until_sleeps_started_returns_once_a_task_sleeps() {
        let clock = ManualClock::at(start());
        let c = clock.clone();
        let task = tokio::spawn(async move { c.sleep(Duration::from_secs(5)).await });
        clock.until_sleeps_started(1).await;
        assert_eq!(clock.next_wake_in(), Some(Duration::from_secs(5)));
        clock.advance(Duration::from_secs(5));
        task.await.unwrap();
    }
}
