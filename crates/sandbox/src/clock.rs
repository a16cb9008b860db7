//! The sandbox's clock: a source of time plus an offset the control API moves.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

/// Where "now" comes from before the offset: the system clock, or a test's own clock when the
/// sandbox runs in-process beside code that must agree with it.
pub type TimeSource = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Virtual time: `source() + offset`.
pub struct SandboxClock {
    source: TimeSource,
    offset: Mutex<Duration>,
}

impl SandboxClock {
    /// A clock reading `source` with no offset.
    pub fn new(source: TimeSource) -> Self {
        Self { source, offset: Mutex::new(Duration::zero()) }
    }

    /// The system clock.
    pub fn system() -> Self {
        Self::new(Arc::new(Utc::now))
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, Duration> {
        self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Now, in virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.source)() + *self.offset()
    }

    /// Make now read `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.offset() = at - (self.source)();
    }

    /// Move now forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        *self.offset() += by;
    }
}
