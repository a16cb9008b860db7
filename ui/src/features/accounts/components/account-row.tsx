import { memo, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Pill } from '@/components/ui/pill';
import type { Account } from '@/lib/accounts';
import { IpcError } from '@/lib/ipc';
import { NETWORKS } from '@/lib/networks';
import { relative, shortDate } from '@/lib/time';

import { useOpenNetwork } from '../api/account-actions';
import { describeRefresh, useRefreshAccount } from '../api/refresh-account';
import { accountKind, statusView } from '../status';

import { Avatar } from './avatar';
import { LabelEditor } from './label-editor';

type Props = {
  account: Account;
  now: Date;
  onReconnect?: (account: Account) => void;
  onDisconnect?: (account: Account) => void;
};

/** One account on its network's card: who, its state in one pill and one line, one action
 *  first (Reconnect when the token is dead), the rest beside it. Memoised: the list keeps
 *  an unchanged account's object, so a change to one account redraws one row. */
export const AccountRow = memo(function AccountRow({ account, now, onReconnect: reconnectThis, onDisconnect: disconnectThis }: Props) {
  const onReconnect = () => reconnectThis?.(account);
  const onDisconnect = () => disconnectThis?.(account);
  const [labelling, setLabelling] = useState(false);
  const view = statusView(account, now);
  const refresh = useRefreshAccount();
  const openNetwork = useOpenNetwork();
  const busy = account.status === 'refreshing' || refresh.isPending;
  const locked = account.status === 'locked';
  return (
    <li className="account-row" data-testid="account-row" data-username={account.username} data-status={account.status}>
      <Avatar account={account} />
      <div className="account-row__main">
        <div className="account-row__title">
          <span className="handle">@{account.username}</span>
          {account.label && (
            <span className="label-tag" data-testid="account-label">
              {account.label}
            </span>
          )}
          <span className="muted" data-testid="account-kind">
            {accountKind(account)}
          </span>
          <Pill tone={view.tone}>{view.pill}</Pill>
        </div>
        <p className="account-row__line" data-testid="account-line">
          {view.line}
        </p>
        <div className="muted account-row__dates" data-testid="account-expiry">
          expires {relative(account.tokenExpiresAt, now)} ({shortDate(account.tokenExpiresAt, now)}) · refreshed{' '}
          {relative(account.tokenRefreshedAt, now)}
        </div>
        {labelling && <LabelEditor account={account} onDone={() => setLabelling(false)} />}
        {(refresh.data || refresh.error) && (
          <div className="muted" role="status" data-testid="refresh-result">
            {refresh.data ? describeRefresh(refresh.data, account.network) : IpcError.from(refresh.error).message}
          </div>
        )}
      </div>
      {!locked && (
        <div className="account-row__actions">
          {account.status === 'needs_reconnect' && (
            <Button variant="primary" onClick={onReconnect} data-testid="reconnect">
              Reconnect {NETWORKS[account.network].name}
            </Button>
          )}
          {account.status === 'needs_instagram_login' && (
            <>
              <Button variant="primary" onClick={() => openNetwork.mutate(account.network)} data-testid="open-network">
                Open {NETWORKS[account.network].name}
              </Button>
              <Button onClick={() => refresh.mutate(account.id)} busy={busy} data-testid="check-again">
                Check again
              </Button>
            </>
          )}
          {account.status === 'expiring' && (
            <Button variant="primary" onClick={onReconnect} data-testid="reconnect">
              Reconnect
            </Button>
          )}
          {(account.status === 'connected' || account.status === 'refreshing' || account.status === 'expiring') && (
            <Button onClick={() => refresh.mutate(account.id)} busy={busy} data-testid="refresh-now">
              Refresh now
            </Button>
          )}
          {account.status !== 'needs_reconnect' && account.status !== 'expiring' && (
            <Button variant="ghost" onClick={onReconnect} disabled={busy} data-testid="reconnect">
              Reconnect
            </Button>
          )}
          <Button variant="ghost" onClick={onDisconnect} disabled={busy} data-testid="disconnect">
            Disconnect
          </Button>
          <Button
            variant="ghost"
            onClick={() => setLabelling(true)}
            disabled={labelling}
            aria-label={`${account.label ? 'Change the label of' : 'Add a label to'} @${account.username}`}
            data-testid="edit-label"
          >
            {account.label ? 'Label…' : 'Add label'}
          </Button>
        </div>
      )}
    </li>
  );
});
