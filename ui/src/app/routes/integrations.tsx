import { useCallback } from 'react';
import { useLocation, useSearchParams } from 'wouter';

import { NetworkCard } from '@/features/accounts/components/network-card';
import { isStateFilter } from '@/features/accounts/filter';
import type { Purpose } from '@/features/connect/api/connect-flow';
import { ConnectDialog } from '@/features/connect/components/connect-dialog';
import { type Network, networkSchema, useAccounts } from '@/lib/accounts';
import { NETWORK_ORDER } from '@/lib/networks';

/** A card per network. The dialog lives in the URL (`?connect=…&network=threads`,
 *  `?reconnect=<id>`), so the switcher, the dashboard and a notification can all open it; so
 *  does the state filter to open with (`?state=needs_you`). */
export function IntegrationsRoute() {
  const [params, setParams] = useSearchParams();
  const [, navigate] = useLocation();
  const accounts = useAccounts();
  const reconnectId = params.get('reconnect');
  const state = params.get('state');
  const connect = params.get('connect');
  const account = reconnectId ? accounts.data?.find((a) => a.id === reconnectId) : undefined;
  const asked = networkSchema.safeParse(params.get('network'));
  const network: Network = account?.network ?? (asked.success ? asked.data : 'instagram');
  const purpose: Purpose | null = reconnectId ? 'reconnect' : connect === 'add' ? 'add' : connect ? 'connect' : null;
  const close = useCallback(() => setParams({}, { replace: true }), [setParams]);
  const onConnected = useCallback(() => navigate('/dashboard'), [navigate]);
  // Stable, so that the card's memoised rows are not all drawn again on every change.
  const onReconnect = useCallback((a: { id: string }) => setParams({ reconnect: a.id }), [setParams]);
  return (
    <>
      <h1 className="page-title">Integrations</h1>
      {NETWORK_ORDER.map((card) => (
        <NetworkCard
          network={card}
          onConnect={() => setParams({ connect: 'new', network: card })}
          onAddAccount={() => setParams({ connect: 'add', network: card })}
          onReconnect={onReconnect}
          // A new `?state=` (the tray's All accounts…) starts the card afresh on that filter.
          key={`${card}-${isStateFilter(state) ? state : 'all'}`}
          initialState={isStateFilter(state) ? state : 'all'}
        />
      ))}
      {purpose && (purpose !== 'reconnect' || account) && (
        <ConnectDialog
          key={`${purpose}-${network}-${reconnectId ?? ''}`}
          network={network}
          purpose={purpose}
          accountId={account?.id}
          username={account?.username}
          onClose={close}
          onConnected={onConnected}
        />
      )}
    </>
  );
}
