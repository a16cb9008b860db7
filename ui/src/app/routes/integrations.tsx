import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';

import type { Account } from '@/features/accounts/api/get-accounts';
import { InstagramCard } from '@/features/accounts/components/instagram-card';
import type { Purpose } from '@/features/connect/api/connect-flow';
import { ConnectDialog } from '@/features/connect/components/connect-dialog';

type Connecting = { purpose: Purpose; account?: Account } | null;

export function IntegrationsRoute() {
  const [connecting, setConnecting] = useState<Connecting>(null);
  const navigate = useNavigate();
  const onConnected = useCallback(() => {
    setConnecting(null);
    void navigate('/dashboard');
  }, [navigate]);
  return (
    <>
      <h1 className="page-title">Integrations</h1>
      <InstagramCard
        onConnect={() => setConnecting({ purpose: 'connect' })}
        onAddAccount={() => setConnecting({ purpose: 'add' })}
        onReconnect={(account) => setConnecting({ purpose: 'reconnect', account })}
      />
      {connecting && (
        <ConnectDialog
          purpose={connecting.purpose}
          accountId={connecting.account?.id}
          username={connecting.account?.username}
          onClose={() => setConnecting(null)}
          onConnected={onConnected}
        />
      )}
    </>
  );
}
