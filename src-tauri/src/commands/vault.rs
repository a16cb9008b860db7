//! Creating, unlocking, locking, restoring and resetting the vault. Passphrases arrive as
//! `Passphrase` (never printed; `instrument(skip_all)` keeps them out of spans).

use evergreen_core::vault::Passphrase;
use tauri::State;
use tracing::instrument;

use crate::error::IpcError;
use crate::models::AutoUnlockDto;
use crate::state::AppState;

/// Create the vault; it is left unlocked.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn create_vault(state: State<'_, AppState>, passphrase: Passphrase) -> Result<(), IpcError> {
    Ok(state.core().create_vault(passphrase).await?)
}

/// Unlock the vault (Argon2id runs off the UI and async threads).
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn unlock_vault(state: State<'_, AppState>, passphrase: Passphrase) -> Result<(), IpcError> {
    state.core().unlock(passphrase).await?;
    Ok(())
}

/// Forget the key (after the renewals in flight are saved).
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn lock_vault(state: State<'_, AppState>) -> Result<(), IpcError> {
    Ok(state.lock_all().await?)
}

/// Replace a damaged vault file by its last good copy, and unlock.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn restore_vault(state: State<'_, AppState>, passphrase: Passphrase) -> Result<(), IpcError> {
    state.core().restore_last_good(passphrase).await?;
    Ok(())
}

/// Erase the vault ("Forgot passphrase"): tokens are gone, accounts stay and need reconnects.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn reset_vault(state: State<'_, AppState>) -> Result<(), IpcError> {
    Ok(state.core().reset_vault().await?)
}

/// Protect the vault with a new passphrase.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn change_passphrase(
    state: State<'_, AppState>,
    current: Passphrase,
    new: Passphrase,
) -> Result<(), IpcError> {
    Ok(state.core().change_passphrase(current, new).await?)
}

/// Whether the login keyring opens the vault at start, and why it could not this time.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn auto_unlock(state: State<'_, AppState>) -> Result<AutoUnlockDto, IpcError> {
    Ok(state.core().auto_unlock().await?.into())
}

/// Turn automatic unlock on (the passphrase must open the vault) or off.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn set_auto_unlock(
    state: State<'_, AppState>,
    on: bool,
    passphrase: Option<Passphrase>,
) -> Result<(), IpcError> {
    let core = state.core();
    match (on, passphrase) {
        (true, Some(passphrase)) => core.enable_auto_unlock(passphrase).await?,
        (true, None) => {
            return Err(evergreen_core::Error::from(evergreen_core::vault::Error::WrongPassphrase).into());
        }
        (false, _) => core.disable_auto_unlock().await?,
    }
    Ok(())
}
