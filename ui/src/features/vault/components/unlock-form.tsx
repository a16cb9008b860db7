import { useState, type FormEvent } from 'react';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { IpcError } from '@/lib/ipc';

import { useAutoUnlock } from '../api/auto-unlock';
import { useRestoreVault, useUnlockVault } from '../api/vault-mutations';

import { ResetVaultDialog } from './reset-vault-dialog';

/** Later runs: the passphrase, Unlock, and the honest way out. */
export function UnlockForm() {
  const [passphrase, setPassphrase] = useState('');
  const [resetting, setResetting] = useState(false);
  const unlock = useUnlockVault();
  const restore = useRestoreVault();
  const fallback = useAutoUnlock().data?.fallback;
  const error = unlock.error ? IpcError.from(unlock.error) : null;
  const fieldError = error?.code === 'wrong_passphrase' ? error.message : undefined;
  const damaged = error?.code === 'vault_damaged' ? error : null;
  const canRestore = damaged?.message.includes('last good copy') ?? false;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!passphrase) return;
    restore.reset();
    unlock.mutate(passphrase);
  }

  return (
    <form className="vault-form" onSubmit={submit} noValidate data-testid="unlock-vault">
      <h1 className="page-title">Unlock Evergreen</h1>
      <p className="muted">Your Instagram connections are in an encrypted vault. Enter its passphrase to continue.</p>
      {fallback && (
        <Banner tone="warning" title="Automatic unlock didn't work" data-testid="auto-unlock-fallback">
          {fallback}
        </Banner>
      )}
      <Field
        label="Passphrase"
        type="password"
        revealable
        autoComplete="current-password"
        // The screen exists to take this one field, as a password manager's lock screen does.
        // eslint-disable-next-line jsx-a11y/no-autofocus
        autoFocus
        value={passphrase}
        onChange={(e) => setPassphrase(e.target.value)}
        error={fieldError}
        data-testid="passphrase"
      />
      {damaged && (
        <Banner
          tone="danger"
          title="Vault damaged"
          data-testid="vault-damaged"
          action={
            canRestore ? (
              <Button
                variant="primary"
                busy={restore.isPending}
                onClick={() => restore.mutate(passphrase)}
                data-testid="restore-vault"
              >
                Restore last good copy
              </Button>
            ) : undefined
          }
        >
          {damaged.message}
        </Banner>
      )}
      {restore.isError && (
        <p className="form-error" role="alert">
          {IpcError.from(restore.error).message}
        </p>
      )}
      {error && !fieldError && !damaged && (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      )}
      <div className="vault-form__actions">
        <Button type="submit" variant="primary" busy={unlock.isPending} data-testid="unlock-submit">
          {unlock.isPending ? 'Unlocking…' : 'Unlock'}
        </Button>
        <button type="button" className="link-button" onClick={() => setResetting(true)} data-testid="forgot">
          Forgot passphrase?
        </button>
      </div>
      {unlock.isPending && (
        <p className="muted" role="status">
          Checking your passphrase and opening the vault…
        </p>
      )}
      {resetting && <ResetVaultDialog onClose={() => setResetting(false)} />}
    </form>
  );
}
