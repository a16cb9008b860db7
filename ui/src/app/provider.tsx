import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';

import { connectKeys } from '@/features/connect/api/keys';
import { EVENTS, listenAll } from '@/lib/events';

/** Backend events say what is stale; the UI never polls. One listener for the whole app. */
function useBackendEvents(queryClient: QueryClient) {
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    void listenAll({
      [EVENTS.linkNotice]: () => void queryClient.invalidateQueries({ queryKey: connectKeys.notices() }),
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
