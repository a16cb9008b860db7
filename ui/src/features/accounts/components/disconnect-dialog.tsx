import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import type { Account } from '@/lib/accounts';
import { IpcError } from '@/lib/ipc';
import { NETWORKS } from '@/lib/networks';

import { useDisconnectAccount } from '../api/account-actions';

/** Disconnect says what happens here, and where to remove the app on the network itself. */
export function DisconnectDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const disconnect = useDisconnectAccount();
  const { name, appPermissions } = NETWORKS[account.network];
  return (
    <Dialog
      title={`Disconnect @${account.username}?`}
      onClose={onClose}
      data-testid="disconnect-dialog"
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            busy={disconnect.isPending}
            onClick={() => disconnect.mutate(account.id, { onSuccess: onClose })}
            data-testid="disconnect-confirm"
          >
            Disconnect
          </Button>
        </>
      }
    >
      <p>
        Evergreen will forget @{account.username} and its access, and stop renewing it. Your {name} account and its
        posts are not affected.
      </p>
      <p className="muted">
        To remove Evergreen from the account on {name} too, open {name} and go to <strong>{appPermissions}</strong>,
        then remove Evergreen.
      </p>
      {disconnect.isError && (
        <p className="form-error" role="alert">
          {IpcError.from(disconnect.error).message}
        </p>
      )}
    </Dialog>
  );
}
