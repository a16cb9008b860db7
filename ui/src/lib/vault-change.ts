import type { QueryClient } from '@tanstack/react-query';

import { accountKeys } from '@/lib/accounts';
import { appKeys } from '@/lib/app-info';

/** However long the list takes, the page switches after this: a slow list is better than a
 *  page that never moves. */
export const VAULT_CHANGE_LIST_LIMIT_MS = 10_000;

/** One run after another, per client: the `vault://changed` listener and the vault's own
 *  commands both refresh, and a second run must not cut the first's list short. */
const runs = new WeakMap<QueryClient, Promise<void>>();

/** After the vault changed (unlocked, locked, created, restored, reset): the account list
 *  first, then the app's state, which switches the page. So the first frame of the new page
 *  shows each account as it is now, never the list of before (hundreds of accounts take a
 *  moment to list). A fetch of either begun before the change is started again: its answer
 *  may be from before. */
export function refetchAfterVaultChange(queryClient: QueryClient): Promise<void> {
  const run = async () => {
    const list = queryClient
      .refetchQueries({ queryKey: accountKeys.lists(), type: 'all' }, { cancelRefetch: true })
      .catch(() => undefined);
    await Promise.race([list, new Promise((resolve) => setTimeout(resolve, VAULT_CHANGE_LIST_LIMIT_MS))]);
    await queryClient.invalidateQueries({ queryKey: appKeys.info }, { cancelRefetch: true });
  };
  const next = (runs.get(queryClient) ?? Promise.resolve()).then(run, run);
  runs.set(queryClient, next);
  return next;
}
