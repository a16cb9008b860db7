import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { IpcError } from '@/lib/ipc';

import { setAutoUnlock, useAutoUnlockNotice } from '../api/auto-unlock';
import { newPassphraseSchema } from '../api/passphrase';
import { useCreateVault } from '../api/vault-mutations';

import { AutoUnlockHelp } from './auto-unlock-help';
import { StrengthMeter } from './strength-meter';

type Errors = Partial<Record<'passphrase' | 'confirmation' | 'form', string>>;

/** First run: choose the passphrase that protects every token. */
export function CreateVaultForm() {
  const [passphrase, setPassphrase] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [autoUnlock, setAutoUnlockChoice] = useState(false);
  const create = useCreateVault();
  const notice = useAutoUnlockNotice();

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = newPassphraseSchema.safeParse({ passphrase, confirmation });
    if (!parsed.success) {
      const next: Errors = {};
      for (const issue of parsed.error.issues) next[issue.path[0] as 'passphrase' | 'confirmation'] ??= issue.message;
      setErrors(next);
      return;
    }
    setErrors({});
    create.mutate(passphrase, {
      // The vault exists and this screen is about to give way to the next: a keyring that
      // refuses is said on whatever page comes, once.
      onSuccess: () => {
        if (!autoUnlock) return;
        setAutoUnlock({ on: true, passphrase }).catch((error: unknown) => notice.set(IpcError.from(error).message));
      },
      onError: (error) => {
        const e = IpcError.from(error);
        setErrors(e.code === 'weak_passphrase' ? { passphrase: e.message } : { form: e.message });
      },
    });
  }

  return (
    <form className="vault-form" onSubmit={submit} noValidate data-testid="create-vault">
      <h1 className="page-title">Create your vault</h1>
      <p>
        Evergreen keeps your Instagram connections in an encrypted vault on this computer. Choose a passphrase to
        protect it.
      </p>
      <p className="callout" role="note">
        <strong>Important:</strong> Evergreen can&apos;t recover this passphrase. If you forget it, you&apos;ll have to
        reset the vault and reconnect your accounts.
      </p>
      <Field
        label="Passphrase"
        type="password"
        revealable
        autoComplete="new-password"
        value={passphrase}
        onChange={(e) => setPassphrase(e.target.value)}
        error={errors.passphrase}
        hint={
          <>
            <StrengthMeter passphrase={passphrase} />
            <span>At least 12 characters. A few random words are strong and easy to remember.</span>
          </>
        }
        data-testid="passphrase"
      />
      <Field
        label="Confirm passphrase"
        type="password"
        autoComplete="new-password"
        value={confirmation}
        onChange={(e) => setConfirmation(e.target.value)}
        error={errors.confirmation}
        data-testid="confirmation"
      />
      <label className="toggle">
        <input
          type="checkbox"
          checked={autoUnlock}
          onChange={(e) => setAutoUnlockChoice(e.target.checked)}
          data-testid="auto-unlock-choice"
        />
        <span>Unlock Evergreen automatically when I log in to this computer</span>
      </label>
      <AutoUnlockHelp />
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
      <Button type="submit" variant="primary" busy={create.isPending} data-testid="create-vault-submit">
        {create.isPending ? 'Creating vault…' : 'Create vault'}
      </Button>
    </form>
  );
}
