import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { IpcError } from '@/lib/ipc';

import { useAutoUnlock, useAutoUnlockNotice, useSetAutoUnlock } from '../api/auto-unlock';

import { AutoUnlockHelp } from './auto-unlock-help';

/** Settings → automatic unlock. Turning it on asks for the passphrase; turning it off does not. */
export function AutoUnlockCard() {
  const status = useAutoUnlock();
  const set = useSetAutoUnlock();
  const notice = useAutoUnlockNotice();
  const [asking, setAsking] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const enabled = status.data?.enabled ?? false;
  const error = set.error ? IpcError.from(set.error) : null;
  const fieldError = error?.code === 'wrong_passphrase' ? error.message : undefined;

  function toggle(on: boolean) {
    set.reset();
    if (on) {
      setAsking(true);
      return;
    }
    setAsking(false);
    if (enabled) set.mutate({ on: false });
  }

  function turnOn(event: FormEvent) {
    event.preventDefault();
    if (!passphrase) return;
    set.mutate(
      { on: true, passphrase },
      {
        onSuccess: () => {
          setAsking(false);
          setPassphrase('');
          notice.set(null);
        },
      },
    );
  }

  return (
    <Card title="Unlock automatically" data-testid="auto-unlock">
      <label className="toggle">
        <input
          type="checkbox"
          checked={enabled || asking}
          disabled={status.isPending || set.isPending}
          onChange={(e) => toggle(e.target.checked)}
          data-testid="auto-unlock-toggle"
        />
        <span>Unlock Evergreen automatically when I log in to this computer</span>
      </label>
      <AutoUnlockHelp />
      {asking && !enabled && (
        <form className="vault-form" onSubmit={turnOn} noValidate data-testid="auto-unlock-form">
          <Field
            label="Passphrase"
            type="password"
            revealable
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            error={fieldError}
            hint="Evergreen's passphrase, to show it's you."
            data-testid="auto-unlock-passphrase"
          />
          <div className="vault-form__actions">
            <Button type="submit" variant="primary" busy={set.isPending} data-testid="auto-unlock-submit">
              Turn on
            </Button>
            <button type="button" className="link-button" onClick={() => toggle(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && !fieldError && (
        <p className="form-error" role="alert" data-testid="auto-unlock-error">
          {error.message}
        </p>
      )}
    </Card>
  );
}
