import { useState } from 'react';

import { Button } from '@/components/ui/button';
import type { Account } from '@/lib/accounts';
import { IpcError } from '@/lib/ipc';

import { useSetAccountLabel } from '../api/account-actions';

/** Tag an account with its client or brand. Empty removes the label; the backend tidies and
 *  checks it, and a refusal is shown on the field with nothing changed. */
export function LabelEditor({ account, onDone }: { account: Account; onDone: () => void }) {
  const [text, setText] = useState(account.label ?? '');
  const save = useSetAccountLabel();
  const error = save.error ? IpcError.from(save.error).message : undefined;
  return (
    <form
      className="label-editor"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ id: account.id, label: text }, { onSuccess: onDone });
      }}
    >
      <input
        className="field__input"
        aria-label={`Label for @${account.username}`}
        placeholder="Client or brand, e.g. Harbour Cafe"
        value={text}
        maxLength={80}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
        aria-invalid={error ? true : undefined}
        // The editor opens on the person's own click: take them to the field.
        // eslint-disable-next-line jsx-a11y/no-autofocus
        autoFocus
        data-testid="label-input"
      />
      <Button type="submit" variant="primary" busy={save.isPending} data-testid="label-save">
        Save
      </Button>
      <Button type="button" variant="ghost" onClick={onDone}>
        Cancel
      </Button>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
