import type { QueryClient } from '@tanstack/react-query';

import { accountKeys } from '@/lib/accounts';
import { appKeys } from '@/lib/app-info';

/** After the vault changed (unlocked, locked, created, restored, reset): the account list
 *  first, then the app's state, which switches the page. So the first frame of the new page
 *  shows each account as it is now, never the list of before (hundreds of accounts take a
 *  moment to list). A fetch of the list already under way is joined, not restarted. */
export async function refetchAfterVaultChange(queryClient: QueryClient): Promise<void> {
  await queryClient
    .refetchQueries({ queryKey: accountKeys.lists(), type: 'all' }, { cancelRefetch: false })
    .catch(() => undefined);
  await queryClient.invalidateQueries({ queryKey: appKeys.info }, { cancelRefetch: false });
}
