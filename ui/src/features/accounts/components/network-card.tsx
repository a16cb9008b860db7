import { useCallback, useDeferredValue, useMemo, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Pill } from '@/components/ui/pill';
import { type Account, type Network, needsAttention, useAccounts } from '@/lib/accounts';
import { NETWORKS } from '@/lib/networks';
import { useNow } from '@/lib/use-now';

import { type StateFilter, attentionFirst, filterAccounts } from '../filter';

import { AccountFinder, FINDER_FROM } from './account-finder';
import { AccountRow } from './account-row';
import { DisconnectDialog } from './disconnect-dialog';
import { PAGE, PagedList } from './paged-list';

type Actions = {
  /** Whose accounts the card shows and connects. */
  network: Network;
  onConnect?: () => void;
  onAddAccount?: () => void;
  onReconnect?: (account: Account) => void;
  /** The state filter to open with (a notification or the tray asks for "Needs you"). */
  initialState?: StateFilter;
};

/** One network's integration (Instagram, Threads): Not connected, or every account of it with
 *  its state. Accounts that need a person come first; from a few accounts on, a search and a
 *  state filter find one. */
export function NetworkCard({ network, onConnect, onAddAccount, onReconnect, initialState = 'all' }: Actions) {
  const accounts = useAccounts();
  const { name } = NETWORKS[network];
  const now = useNow();
  const [disconnecting, setDisconnecting] = useState<Account | null>(null);
  const [query, setQuery] = useState('');
  const [state, setState] = useState<StateFilter>(initialState);
  const [chosenLabel, setLabel] = useState<string | null>(null);
  // Typing stays instant; the list follows as soon as it can.
  const deferredQuery = useDeferredValue(query);
  const all = accounts.data;
  const list = useMemo(() => attentionFirst((all ?? []).filter((a) => a.network === network)), [all, network]);
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
          {network === 'threads' ? <ThreadsGlyph /> : <InstagramGlyph />} {name}
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
      data-testid={`${network}-card`}
      data-state={list.length ? 'connected' : 'not_connected'}
    >
      {accounts.isPending ? (
        <p className="muted" role="status">
          Loading accounts…
        </p>
      ) : list.length === 0 ? (
        <div className="stack">
          <p className="muted">
            Connect {NETWORKS[network].accounts} and Evergreen keeps its access renewed, and tells you early if it ever
            needs you.
          </p>
          {onConnect && (
            <div>
              <Button variant="primary" onClick={onConnect} data-testid={`connect-${network}`}>
                Connect {name}
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
              <Button onClick={onAddAccount} data-testid={network === 'instagram' ? 'add-account' : `add-${network}-account`}>
                Connect another {name} account
              </Button>
            </div>
          )}
          <details className="why">
            <summary>Why does {name} end connections?</summary>
            <ul>
              <li>Access lasts 60 days; Evergreen renews it while it runs, so keep it running now and then.</li>
              <li>A password change, or {name} checking a login from a new place, ends every connection.</li>
              <li>Removing Evergreen from the account’s apps on {name} ends it too.</li>
              {network === 'instagram' && <li>Switching the account from professional to personal stops it working.</li>}
            </ul>
            <p className="muted">An expired connection can’t be revived, only replaced: Reconnect takes a minute.</p>
          </details>
        </div>
      )}
      {disconnecting && <DisconnectDialog account={disconnecting} onClose={() => setDisconnecting(null)} />}
    </Card>
  );
}

function ThreadsGlyph() {
  return (
    <svg className="glyph" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d="M16.5 11.2c-.3-2.6-2-4-4.5-4-2.3 0-3.7 1.2-4.2 2.9M7.8 13c.2 2.9 2 4.5 4.7 4.5 2.9 0 4.6-1.8 4.6-4 0-2.1-1.6-3.2-4.3-3.2-2 0-3.1.9-3.1 2.1 0 1.1 1 1.8 2.3 1.8 2.2 0 3.3-1.6 3.3-4.4 0-4.2-2.3-6.8-6-6.8C5.6 3 3 6.2 3 12s2.6 9 6.8 9c3.1 0 5.2-1.3 6.5-3.4"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
      />
    </svg>
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
