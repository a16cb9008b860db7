import { useCallback } from 'react';
import { useLocation, useSearchParams } from 'wouter';

import { InstagramCard } from '@/features/accounts/components/instagram-card';
import type { Purpose } from '@/features/connect/api/connect-flow';
import { ConnectDialog } from '@/features/connect/components/connect-dialog';
import { useAccounts } from '@/lib/accounts';

/** The dialog lives in the URL (`?connect=…`, `?reconnect=<id>`), so the switcher, the
 *  dashboard and a notification can all open it. */
export function IntegrationsRoute() {
  const [params, setParams] = useSearchParams();
  const [, navigate] = useLocation();
  const accounts = useAccounts();
  const reconnectId = params.get('reconnect');
  const connect = params.get('connect');
  const account = reconnectId ? accounts.data?.find((a) => a.id === reconnectId) : undefined;
  const purpose: Purpose | null = reconnectId ? 'reconnect' : connect === 'add' ? 'add' : connect ? 'connect' : null;
  const close = useCallback(() => setParams({}, { replace: true }), [setParams]);
  const onConnected = useCallback(() => navigate('/dashboard'), [navigate]);
  return (
    <>
      <h1 className="page-title">Integrations</h1>
      <InstagramCard
        onConnect={() => setParams({ connect: 'new' })}
        onAddAccount={() => setParams({ connect: 'add' })}
        onReconnect={(a) => setParams({ reconnect: a.id })}
      />
      {purpose && (purpose !== 'reconnect' || account) && (
        <ConnectDialog
          key={`${purpose}-${reconnectId ?? ''}`}
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
