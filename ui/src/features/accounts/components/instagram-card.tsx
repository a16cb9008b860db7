import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Pill, type PillTone } from '@/components/ui/pill';
import { relative, shortDate } from '@/lib/time';

import { type Account, type AccountStatus, useAccounts } from '../api/get-accounts';
import { describeRefresh, useRefreshAccount } from '../api/refresh-account';
import { IpcError } from '@/lib/ipc';

type Actions = {
  onConnect: () => void;
  onAddAccount: () => void;
  onReconnect: (account: Account) => void;
};

const STATUS: Record<AccountStatus, { label: string; tone: PillTone }> = {
  connected: { label: 'Connected', tone: 'ok' },
  refreshing: { label: 'Refreshing…', tone: 'busy' },
  expiring: { label: 'Expiring', tone: 'warn' },
  needs_reconnect: { label: 'Reconnect needed', tone: 'bad' },
  needs_instagram_login: { label: 'Log in on Instagram', tone: 'warn' },
  locked: { label: 'Locked', tone: 'muted' },
};

const TYPES: Record<string, string> = { BUSINESS: 'Business', MEDIA_CREATOR: 'Creator' };

/** The Instagram integration on /settings/integrations. */
export function InstagramCard({ onConnect, onAddAccount, onReconnect }: Actions) {
  const accounts = useAccounts();
  const list = accounts.data ?? [];
  return (
    <Card
      title={
        <span className="card__title-row">
          <InstagramGlyph /> Instagram
        </span>
      }
      aside={<Pill tone={list.length ? 'ok' : 'muted'}>{list.length ? 'Connected' : 'Not connected'}</Pill>}
      data-testid="instagram-card"
      data-state={list.length ? 'connected' : 'not_connected'}
    >
      {list.length === 0 ? (
        <div className="stack">
          <p className="muted">
            Connect an Instagram professional account (Business or Creator) and Evergreen keeps its access renewed, and
            tells you early if it ever needs you.
          </p>
          <div>
            <Button variant="primary" onClick={onConnect} data-testid="connect-instagram">
              Connect Instagram
            </Button>
          </div>
        </div>
      ) : (
        <div className="stack">
          <ul className="plain-list accounts">
            {list.map((account) => (
              <AccountRow key={account.id} account={account} onReconnect={() => onReconnect(account)} />
            ))}
          </ul>
          <div>
            <Button onClick={onAddAccount} data-testid="add-account">
              Connect another account
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}

function AccountRow({ account, onReconnect }: { account: Account; onReconnect: () => void }) {
  const status = STATUS[account.status];
  const dead = account.status === 'needs_reconnect';
  const refresh = useRefreshAccount();
  const renewable = account.status !== 'needs_reconnect' && account.status !== 'locked';
  return (
    <li className="account-row" data-testid="account-row" data-username={account.username} data-status={account.status}>
      <Avatar account={account} />
      <div className="account-row__main">
        <div className="account-row__title">
          <span className="handle">@{account.username}</span>
          <span className="muted">{TYPES[account.accountType] ?? account.accountType}</span>
          <Pill tone={status.tone}>{status.label}</Pill>
        </div>
        <div className="muted" data-testid="account-expiry">
          expires {relative(account.tokenExpiresAt)} ({shortDate(account.tokenExpiresAt)}) · refreshed{' '}
          {relative(account.tokenRefreshedAt)}
        </div>
        {(refresh.data || refresh.error) && (
          <div className="muted" role="status" data-testid="refresh-result">
            {refresh.data ? describeRefresh(refresh.data) : IpcError.from(refresh.error).message}
          </div>
        )}
      </div>
      {renewable && (
        <Button
          onClick={() => refresh.mutate(account.id)}
          busy={refresh.isPending || account.status === 'refreshing'}
          data-testid="refresh-now"
        >
          Refresh now
        </Button>
      )}
      <Button variant={dead ? 'primary' : 'secondary'} onClick={onReconnect} data-testid="reconnect">
        {dead ? 'Reconnect Instagram' : 'Reconnect'}
      </Button>
    </li>
  );
}

function Avatar({ account }: { account: Account }) {
  if (!account.profilePictureUrl) {
    return (
      <span className="avatar avatar--empty" aria-hidden="true">
        {account.username.slice(0, 1).toUpperCase()}
      </span>
    );
  }
  return <img className="avatar" src={account.profilePictureUrl} alt="" width={40} height={40} />;
}

function InstagramGlyph() {
  return (
    <svg className="glyph" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="3" y="3" width="18" height="18" rx="5" fill="none" stroke="currentColor" strokeWidth="2" />
      <circle cx="12" cy="12" r="4" fill="none" stroke="currentColor" strokeWidth="2" />
      <circle cx="17.5" cy="6.5" r="1.2" fill="currentColor" />
    </svg>
  );
}
