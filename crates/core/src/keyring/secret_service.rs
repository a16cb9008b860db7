//! [`LoginKeyring`] over the freedesktop Secret Service, through the `secret-service` crate.
//!
//! Each call opens its own connection and encrypted session (Diffie-Hellman, so the key never
//! crosses the bus in the clear) and drops both when done: calls are rare (start, Settings)
//! and a connection kept open would be one more thing to go stale across a keyring restart.
//! Nothing prompts: a locked collection or item is [`Error::Locked`], checked before any call
//! that could ask the keyring to show an unlock dialog.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secret_service::{EncryptionType, SecretService as Client};
use zeroize::Zeroizing;

use super::{
    APP_ATTRIBUTE, Error, ITEM_LABEL, KeyringFuture, LoginKeyring, VAULT_ATTRIBUTE, VaultId, WrappingKey,
};

/// A keyring that answers slower than this is treated as absent for this attempt: the start
/// falls back to the passphrase instead of waiting.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The Secret Service on a D-Bus bus.
#[derive(Debug, Clone)]
pub struct SecretService {
    /// `None`: the session bus (`DBUS_SESSION_BUS_ADDRESS`, or the user's runtime directory).
    address: Option<String>,
    timeout: Duration,
}

impl SecretService {
    /// The Secret Service of the person's session: the product's keyring.
    pub fn session() -> Self {
        Self { address: None, timeout: TIMEOUT }
    }

    /// The Secret Service on the bus at `address` (a D-Bus address such as
    /// `unix:path=/run/…`): a bus other than the session's, as a test's private one.
    pub fn at_address(address: impl Into<String>) -> Self {
        Self { address: Some(address.into()), timeout: TIMEOUT }
    }

    /// The same, answering within `timeout` rather than 5 s (a test's keyring that never
    /// answers).
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    async fn connect(&self) -> Result<Client<'static>, Error> {
        let connection = match &self.address {
            None => zbus::Connection::session().await,
            Some(address) => match zbus::connection::Builder::address(address.as_str()) {
                Ok(builder) => builder.build().await,
                Err(error) => Err(error),
            },
        }
        .map_err(|error| {
            tracing::info!(%error, "no session bus for the login keyring");
            Error::Unavailable
        })?;
        Client::connect_with_existing(EncryptionType::Dh, connection).await.map_err(classify)
    }

    /// `work` within the timeout; every failure classified.
    async fn within<T>(&self, work: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        tokio::time::timeout(self.timeout, work).await.unwrap_or(Err(Error::TimedOut))
    }
}

fn attributes(vault: &VaultId) -> HashMap<&str, &str> {
    HashMap::from([APP_ATTRIBUTE, (VAULT_ATTRIBUTE, vault.as_str())])
}

/// What a Secret Service failure means for the person. The detail is logged, never shown.
fn classify(error: secret_service::Error) -> Error {
    use secret_service::Error as E;
    match error {
        E::Unavailable => Error::Unavailable,
        E::Locked | E::Prompt | E::PromptDisconnected => Error::Locked,
        E::NoResult => Error::Missing,
        E::Zbus(zbus::Error::MethodError(name, _, _))
        | E::ZbusFdo(zbus::fdo::Error::ZBus(zbus::Error::MethodError(name, _, _)))
            if is_absent(name.as_str()) =>
        {
            Error::Unavailable
        }
        E::ZbusFdo(zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_)) => {
            Error::Unavailable
        }
        E::Zbus(zbus::Error::MethodError(name, _, _))
            if name.as_str() == "org.freedesktop.Secret.Error.IsLocked" =>
        {
            Error::Locked
        }
        other => {
            tracing::warn!(error = %other, "the login keyring refused");
            Error::Failed(short(&other.to_string()))
        }
    }
}

fn is_absent(name: &str) -> bool {
    matches!(name, "org.freedesktop.DBus.Error.ServiceUnknown" | "org.freedesktop.DBus.Error.NameHasNoOwner")
}

/// A keyring's message, cut short: it is shown in an activity line, not a log.
fn short(text: &str) -> String {
    text.chars().take(120).collect()
}

impl LoginKeyring for SecretService {
    fn store<'a>(&'a self, vault: &'a VaultId, key: &'a WrappingKey) -> KeyringFuture<'a, ()> {
        Box::pin(self.within(async move {
            let client = self.connect().await?;
            let collection = client.get_default_collection().await.map_err(|error| match error {
                // No default collection: nowhere the login unlocks.
                secret_service::Error::NoResult => Error::Unavailable,
                other => classify(other),
            })?;
            if collection.is_locked().await.map_err(classify)? {
                return Err(Error::Locked);
            }
            let secret = Zeroizing::new(STANDARD.encode(key.as_bytes()));
            collection
                .create_item(ITEM_LABEL, attributes(vault), secret.as_bytes(), true, "text/plain")
                .await
                .map_err(classify)?;
            Ok(())
        }))
    }

    fn fetch<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, WrappingKey> {
        Box::pin(self.within(async move {
            let client = self.connect().await?;
            let found = client.search_items(attributes(vault)).await.map_err(classify)?;
            let Some(item) = found.unlocked.first() else {
                return Err(if found.locked.is_empty() { Error::Missing } else { Error::Locked });
            };
            let secret = Zeroizing::new(item.get_secret().await.map_err(classify)?);
            let decoded = Zeroizing::new(STANDARD.decode(secret.as_slice()).map_err(|_| Error::WrongKey)?);
            WrappingKey::from_bytes(&decoded).ok_or(Error::WrongKey)
        }))
    }

    fn delete<'a>(&'a self, vault: &'a VaultId) -> KeyringFuture<'a, ()> {
        Box::pin(self.within(async move {
            let client = self.connect().await?;
            let found = client.search_items(attributes(vault)).await.map_err(classify)?;
            if !found.locked.is_empty() {
                return Err(Error::Locked);
            }
            for item in &found.unlocked {
                item.delete().await.map_err(classify)?;
            }
            Ok(())
        }))
    }
}
