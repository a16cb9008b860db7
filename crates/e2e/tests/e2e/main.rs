//! End-to-end tests in a real window. Run through `scripts/e2e.sh`, which provides Xvfb, a
//! D-Bus session, WebKitWebDriver and a fresh app build; `--test-threads=1`.

mod accounts;
mod agency;
mod connect;
mod installed;
mod keyring;
mod sign_in;
mod skeleton;
mod threads;
mod tray;
mod vault;
mod webkit;

/// The passphrase the tests' vaults use.
pub const PASS: &str = "copper lantern meadow violin";
