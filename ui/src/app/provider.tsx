import { type Query, QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';

import { accountKeys } from '@/lib/accounts';
import { activityKeys } from '@/features/activity/api/get-events';
import { connectKeys } from '@/features/connect/api/keys';
import { autoUnlockKeys } from '@/features/vault/api/auto-unlock';
import { appKeys } from '@/lib/app-info';
import { EVENTS, listenAll } from '@/lib/events';
import { refetchAfterVaultChange } from '@/lib/vault-change';

/** Account changes arriving closer together than this (or twice the last refetch's time,
 *  if longer) are one refetch of the list. */
export const COALESCE_MS = 100;
/** However slow the refetches, a change is shown within this (plus the refetch itself). */
const MAX_WAIT_MS = 2000;

/** Backend events say what is stale; the UI never polls. One listener for the whole app.
 *
 *  A check of hundreds of accounts sends a change for each: they are coalesced into one
 *  refetch per `COALESCE_MS`, and a refetch under way is never cancelled by the next change
 *  (cancelling it each time kept the list from ever updating). After an unlock the accounts
 *  are fetched before the app's state, so the first unlocked frame shows the real states,
 *  not the locked list. */
function useBackendEvents(queryClient: QueryClient) {
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    const pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // What the last coalesced refetch cost: the next waits at least twice that (at most
    // `MAX_WAIT_MS`), so that during a long burst the page spends at most a third of its
    // time following it.
    let lastCost = 0;
    let inFlight = false;
    const refetch = (queryKey: readonly unknown[]) =>
      queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false });
    const wait = () => Math.min(MAX_WAIT_MS, Math.max(COALESCE_MS, 2 * lastCost));
    const schedule = () => {
      if (!cancelled && pending.size > 0) timer ??= setTimeout(flush, wait());
    };
    const flush = () => {
      timer = undefined;
      // One flush at a time: changes meanwhile wait for it, then go in the next.
      if (inFlight) return;
      const keys = [...pending].map((k) => JSON.parse(k) as unknown[]);
      pending.clear();
      // A fetch already under way began before these changes: it is joined, not restarted,
      // so its answer may predate them. Ask again once it is in.
      const joined = keys.filter((queryKey) => queryClient.isFetching({ queryKey }) > 0);
      inFlight = true;
      const began = performance.now();
      // A call that never answers must not hold every later change back.
      const giveUp = new Promise((resolve) => setTimeout(resolve, MAX_WAIT_MS * 5));
      void Promise.race([Promise.all(keys.map((queryKey) => refetch(queryKey))), giveUp]).finally(() => {
        inFlight = false;
        lastCost = performance.now() - began;
        joined.forEach((k) => pending.add(JSON.stringify(k)));
        schedule();
      });
    };
    const soon = (...keys: (readonly unknown[])[]) => () => {
      keys.forEach((k) => pending.add(JSON.stringify(k)));
      if (!inFlight) schedule();
    };
    const stale = (...keys: (readonly unknown[])[]) => () => keys.forEach((queryKey) => void refetch(queryKey));
    const vaultChanged = () => {
      void refetchAfterVaultChange(queryClient).finally(() => {
        void refetch(autoUnlockKeys.all);
        const notTheList = (q: Query) => q.queryKey[1] !== accountKeys.lists()[1];
        void queryClient.invalidateQueries({ queryKey: accountKeys.all, predicate: notTheList }, { cancelRefetch: false });
      });
    };
    void listenAll({
      [EVENTS.linkNotice]: stale(connectKeys.notices()),
      [EVENTS.vaultChanged]: vaultChanged,
      [EVENTS.accountsChanged]: soon(accountKeys.all, activityKeys.all),
      [EVENTS.accountUpdated]: soon(accountKeys.lists(), activityKeys.all),
      [EVENTS.connectivity]: stale(appKeys.info),
    }).then((unlisten) => {
      if (cancelled) unlisten();
      else stop = unlisten;
    });
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      stop?.();
    };
  }, [queryClient]);
}

export function AppProvider({ queryClient, children }: { queryClient: QueryClient; children: ReactNode }) {
  useBackendEvents(queryClient);
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
