import { useCallback, useDeferredValue, useMemo, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Pill } from '@/components/ui/pill';
import { type Account, needsAttention, useAccounts } from '@/lib/accounts';
import { useNow } from '@/lib/use-now';

import { type StateFilter, attentionFirst, filterAccounts } from '../filter';

import { AccountFinder, FINDER_FROM } from './account-finder';
import { AccountRow } from './account-row';
import { DisconnectDialog } from './disconnect-dialog';
import { PAGE, PagedList } from './paged-list';

type Actions = {
  onConnect?: () => void;
  onAddAccount?: () => void;
  onReconnect?: (account: Account) => void;
  /** The state filter to open with (a notification or the tray asks for "Needs you"). */
  initialState?: StateFilter;
};

/** The Instagram integration: Not connected, or every account with its state. Accounts that
 *  need a person come first; from a few accounts on, a search and a state filter find one. */
export function InstagramCard({ onConnect, onAddAccount, onReconnect, initialState = 'all' }: Actions) {
  const accounts = useAccounts();
  const now = useNow();
  const [disconnecting, setDisconnecting] = useState<Account | null>(null);
  const [query, setQuery] = useState('');
  const [state, setState] = useState<StateFilter>(initialState);
  const [chosenLabel, setLabel] = useState<string | null>(null);
  // Typing stays instant; the list follows as soon as it can.
  const deferredQuery = useDeferredValue(query);
  const all = accounts.data;
  const list = useMemo(() => attentionFirst(all ?? []), [all]);
  const finding = list.length >= FINDER_FROM;
  // A label no account has any more (removed, renamed) filters nothing.
  const label = chosenLabel !== null && list.some((a) => a.label === chosenLabel) ? chosenLabel : null;
  const shown = useMemo(
    () => (finding ? filterAccounts(list, deferredQuery, state, label) : list),
    [finding, list, deferredQuery, state, label],
  );
  const onDisconnect = useCallback((a: Account) => setDisconnecting(a), []);
  // A new search or filter starts from its first page.
  const filterKey = `${deferredQuery}\u0000${state}\u0000${label ?? ''}`;
  const [paging, setPaging] = useState({ key: filterKey, drawn: PAGE });
  const drawn = paging.key === filterKey ? paging.drawn : PAGE;
  const onMore = useCallback(
    () => setPaging((p) => ({ key: filterKey, drawn: (p.key === filterKey ? p.drawn : PAGE) + PAGE })),
    [filterKey],
  );
  const attention = list.filter(needsAttention).length;
  const locked = list.length > 0 && list.every((a) => a.status === 'locked' || a.status === 'needs_reconnect');
  return (
    <Card
      title={
        <span className="card__title-row">
          <InstagramGlyph /> Instagram
        </span>
      }
      aside={
        list.length === 0 ? (
          <Pill tone="muted">Not connected</Pill>
        ) : attention > 0 ? (
          <Pill tone="warn">{attention === 1 ? '1 needs attention' : `${attention} need attention`}</Pill>
        ) : (
          <Pill tone="ok">Connected</Pill>
        )
      }
      data-testid="instagram-card"
      data-state={list.length ? 'connected' : 'not_connected'}
    >
      {accounts.isPending ? (
        <p className="muted" role="status">
          Loading accounts…
        </p>
      ) : list.length === 0 ? (
        <div className="stack">
          <p className="muted">
            Connect an Instagram professional account (Business or Creator) and Evergreen keeps its access renewed, and
            tells you early if it ever needs you.
          </p>
          {onConnect && (
            <div>
              <Button variant="primary" onClick={onConnect} data-testid="connect-instagram">
                Connect Instagram
              </Button>
            </div>
          )}
        </div>
      ) : (
        <div className="stack">
          {finding && (
            <AccountFinder
              accounts={list}
              query={query}
              onQuery={setQuery}
              state={state}
              onState={setState}
              label={label}
              onLabel={setLabel}
              shown={shown.length}
            />
          )}
          <PagedList total={shown.length} drawn={drawn} onMore={onMore}>
            {shown.slice(0, drawn).map((account) => (
              <AccountRow
                key={account.id}
                account={account}
                now={now}
                onReconnect={onReconnect}
                onDisconnect={onDisconnect}
              />
            ))}
          </PagedList>
          {!locked && onAddAccount && (
            <div>
              <Button onClick={onAddAccount} data-testid="add-account">
                Connect another account
              </Button>
            </div>
          )}
          <details className="why">
            <summary>Why does Instagram end connections?</summary>
            <ul>
              <li>Access lasts 60 days; Evergreen renews it while it runs, so keep it running now and then.</li>
              <li>A password change, or Instagram checking a login from a new place, ends every connection.</li>
              <li>Removing Evergreen from the account’s apps on Instagram ends it too.</li>
              <li>Switching the account from professional to personal stops it working.</li>
            </ul>
            <p className="muted">An expired connection can’t be revived, only replaced: Reconnect takes a minute.</p>
          </details>
        </div>
      )}
      {disconnecting && <DisconnectDialog account={disconnecting} onClose={() => setDisconnecting(null)} />}
    </Card>
  );
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
