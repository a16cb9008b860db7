import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';

import { accountKeys } from '@/lib/accounts';
import { activityKeys } from '@/features/activity/api/get-events';
import { connectKeys } from '@/features/connect/api/keys';
import { autoUnlockKeys } from '@/features/vault/api/auto-unlock';
import { appKeys } from '@/lib/app-info';
import { EVENTS, listenAll } from '@/lib/events';

/** Backend events say what is stale; the UI never polls. One listener for the whole app. */
function useBackendEvents(queryClient: QueryClient) {
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    const stale = (...keys: (readonly unknown[])[]) => () =>
      keys.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey }));
    void listenAll({
      [EVENTS.linkNotice]: stale(connectKeys.notices()),
      [EVENTS.vaultChanged]: stale(appKeys.info, accountKeys.all, autoUnlockKeys.all),
      [EVENTS.accountsChanged]: stale(accountKeys.all, activityKeys.all),
      [EVENTS.accountUpdated]: stale(accountKeys.lists(), activityKeys.all),
      [EVENTS.connectivity]: stale(appKeys.info),
    }).then((unlisten) => {
      if (cancelled) unlisten();
      else stop = unlisten;
    });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [queryClient]);
}

export function AppProvider({ queryClient, children }: { queryClient: QueryClient; children: ReactNode }) {
  useBackendEvents(queryClient);
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
