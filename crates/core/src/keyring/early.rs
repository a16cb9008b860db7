//! A keyring asked early: at start the vault's key is fetched while the profile is still
//! opening (the Secret Service's round trips overlap the profile's own work), and the start's
//! unlock takes that answer. Any other call, or a second fetch, goes to the keyring itself.

use std::sync::{Arc, Mutex, PoisonError};

use super::{Error, KeyringFuture, LoginKeyring, VaultId, WrappingKey};

type Answer = tokio::task::JoinHandle<Result<WrappingKey, Error>>;

/// `inner`, with the answer for one vault already on its way.
pub struct Early {
    inner: Arc<dyn LoginKeyring>,
    asked: Mutex<Option<(VaultId, Answer)>>,
}

impl Early {
    /// Ask `inner` for `vault`'s key now, on the current tokio runtime.
    pub fn begin(inner: Arc<dyn LoginKeyring>, vault: VaultId) -> Self {
        let keyring = inner.clone();
        let id = vault.clone();
        let answer = tokio::spawn(async move { keyring.fetch(&id).await });
        Self { inner, asked: Mutex::new(Some((vault, answer))) }
    }

    /// The early answer, if it is for `vault` and not taken yet.
    fn take(&self, vault: &VaultId) -> Option<Answer> {
        let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        match asked.take() {
            Some((id, answer)) if &id == vault => Some(answer),
            other => {
                *asked = other;
                None
            }
        }
    }

    /// A change to the keyring makes an answer not taken yet stale.
    fn forget(&self) {
        if let Some((_, answer)) = self.asked.lock().unwrap_or_else(PoisonError::into_inner).take() {
            answer.abort();
        }
    }
}

impl Drop for Early {
    fn drop(&mut self) {
        self.forget();
    }
}

impl LoginKeyring for Early {
    fn store<'a>(&'a self, vault: &'a VaultId, key: &'a WrappingKey) -> KeyringFuture<'a, ()> {
        self.forget();
        self.inner.store(vault, key)
    }

    fn fetch<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, WrappingKey> {
        match self.take(vault) {
            Some(answer) => Box::pin(async move {
                answer.await.unwrap_or_else(|_| Err(Error::Failed("the early request was cancelled".into())))
            }),
            None => self.inner.fetch(vault),
        }
    }

    fn delete<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, ()> {
        self.forget();
        self.inner.delete(vault)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts fetches; answers with one fixed key.
    struct Counting {
        fetches: AtomicUsize,
        key: WrappingKey,
    }

    impl LoginKeyring for Counting {
        fn store<'a>(&'a self, _: &'a VaultId, _: &'a WrappingKey) -> KeyringFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }
        fn fetch<'a>(&'a self, _: &'a VaultId) -> KeyringFuture<'a, WrappingKey> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            let key = self.key.clone();
            Box::pin(async move { Ok(key) })
        }
        fn delete<'a>(&'a self, _: &'a VaultId) -> KeyringFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }
    }

    #[tokio::test]
    async fn the_early_answer_is_taken_once_for_its_vault_and_then_the_keyring_answers() {
        let inner = Arc::new(Counting { fetches: AtomicUsize::new(0), key: WrappingKey::generate() });
        let (ours, other) = (VaultId::generate(), VaultId::generate());
        let early = Early::begin(inner.clone(), ours.clone());
        // Another vault's key is never the early one.
        early.fetch(&other).await.unwrap();
        assert_eq!(early.fetch(&ours).await.unwrap().as_bytes(), inner.key.as_bytes());
        assert_eq!(inner.fetches.load(Ordering::SeqCst), 2, "the early fetch and the other vault's");
        early.fetch(&ours).await.unwrap();
        assert_eq!(inner.fetches.load(Ordering::SeqCst), 3, "asked again, the keyring answers");
    }

    #[tokio::test]
    async fn a_change_to_the_keyring_drops_the_early_answer() {
        let inner = Arc::new(Counting { fetches: AtomicUsize::new(0), key: WrappingKey::generate() });
        let ours = VaultId::generate();
        let early = Early::begin(inner.clone(), ours.clone());
        early.store(&ours, &WrappingKey::generate()).await.unwrap();
        tokio::task::yield_now().await;
        let before = inner.fetches.load(Ordering::SeqCst);
        early.fetch(&ours).await.unwrap();
        assert_eq!(inner.fetches.load(Ordering::SeqCst), before + 1, "fetched afresh after the store");
    }
}
