import { useState } from 'react';

import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { IpcError } from '@/lib/ipc';

import { useResetVault } from '../api/vault-mutations';

const CONFIRM_WORD = 'RESET';

/** "Forgot passphrase?": an honest reset, confirmed by typing a word. */
export function ResetVaultDialog({ onClose }: { onClose: () => void }) {
  const [typed, setTyped] = useState('');
  const reset = useResetVault();
  const confirmed = typed.trim().toUpperCase() === CONFIRM_WORD;
  return (
    <Dialog
      title="Reset the vault?"
      onClose={onClose}
      data-testid="reset-dialog"
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={!confirmed}
            busy={reset.isPending}
            onClick={() => reset.mutate(undefined, { onSuccess: onClose })}
            data-testid="reset-confirm"
          >
            Erase and start over
          </Button>
        </>
      }
    >
      <p>
        Evergreen can&apos;t recover a forgotten passphrase. Resetting erases the vault:{' '}
        <strong>your saved Instagram connections will be erased.</strong> Your accounts stay listed and each will need{' '}
        <em>Reconnect</em>. Nothing on Instagram itself changes.
      </p>
      <Field
        label={`Type ${CONFIRM_WORD} to confirm`}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        autoComplete="off"
        data-testid="reset-typed"
      />
      {reset.isError && (
        <p className="form-error" role="alert">
          {IpcError.from(reset.error).message}
        </p>
      )}
    </Dialog>
  );
}
