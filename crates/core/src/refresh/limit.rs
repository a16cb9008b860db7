//! The global limit on calls to Instagram in flight, whatever runs at once, adjustable while
//! calls are out. Lowering it while permits are in use must not lose track: a semaphore only
//! forgets permits that are free, so the rest is owed and paid back as permits come home.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most concurrency any policy may ask for.
pub const MAX_CONCURRENCY: usize = 32;

#[derive(Debug)]
struct Books {
    /// The limit asked for.
    limit: usize,
    /// Permits that exist (free or in use) beyond `limit`, to be forgotten on their return.
    owed: usize,
}

/// A resizable limit.
#[derive(Clone)]
pub struct Limiter {
    permits: Arc<Semaphore>,
    books: Arc<Mutex<Books>>,
}

/// One call's place; given back (or forgotten, if the limit was lowered) when dropped.
pub struct Permit {
    permit: Option<OwnedSemaphorePermit>,
    books: Arc<Mutex<Books>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else { return };
        let mut books = lock(&self.books);
        if books.owed > 0 {
            books.owed -= 1;
            permit.forget();
        }
    }
}

fn lock(books: &Mutex<Books>) -> MutexGuard<'_, Books> {
    books.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Limiter {
    /// A limit of `limit` (1 to [`MAX_CONCURRENCY`]).
    pub fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, MAX_CONCURRENCY);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            books: Arc::new(Mutex::new(Books { limit, owed: 0 })),
        }
    }

    /// Change the limit. Raising it pays what is owed first; lowering it forgets free permits
    /// at once and owes the rest.
    pub fn set(&self, wanted: usize) {
        let wanted = wanted.clamp(1, MAX_CONCURRENCY);
        let mut books = lock(&self.books);
        if wanted > books.limit {
            let mut more = wanted - books.limit;
            let repaid = more.min(books.owed);
            books.owed -= repaid;
            more -= repaid;
            self.permits.add_permits(more);
        } else if wanted < books.limit {
            let fewer = books.limit - wanted;
            let forgotten = self.permits.forget_permits(fewer);
            books.owed += fewer - forgotten;
        }
        books.limit = wanted;
    }

    /// Wait for a place.
    pub async fn acquire(&self) -> Permit {
        let permit = self.permits.clone().acquire_owned().await.expect("the semaphore is never closed");
        Permit { permit: Some(permit), books: self.books.clone() }
    }

    /// Places free right now.
    #[cfg(test)]
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lowering_the_limit_while_calls_are_out_does_not_drift() {
        let limiter = Limiter::new(8);
        let out: Vec<Permit> = futures_util::future::join_all((0..6).map(|_| limiter.acquire())).await;
        limiter.set(2);
        assert_eq!(limiter.available(), 0, "two free permits forgotten, four owed");
        drop(out);
        assert_eq!(limiter.available(), 2, "four came home and were forgotten: the limit is 2");
        limiter.set(5);
        assert_eq!(limiter.available(), 5);
        for _ in 0..20 {
            let held: Vec<Permit> = futures_util::future::join_all((0..5).map(|_| limiter.acquire())).await;
            limiter.set(1);
            drop(held);
            limiter.set(5);
        }
        assert_eq!(limiter.available(), 5, "no drift over many changes");
    }

    #[tokio::test]
    async fn raising_the_limit_repays_what_is_owed_first() {
        let limiter = Limiter::new(4);
        let held: Vec<Permit> = futures_util::future::join_all((0..4).map(|_| limiter.acquire())).await;
        limiter.set(1);
        limiter.set(3);
        drop(held);
        assert_eq!(limiter.available(), 3);
    }
}
