import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from '@/lib/ipc';

import { accountKeys, type Network } from '@/lib/accounts';
import { networkName } from '@/lib/networks';

export const refreshReportSchema = z.object({
  refreshed: z.int(),
  checked: z.int(),
  retrying: z.int(),
  needAttention: z.int(),
});
export type RefreshReport = z.infer<typeof refreshReportSchema>;

export const refreshAccount = (id: string) => call('refresh_account', { id }, refreshReportSchema);
export const refreshAll = () => call('refresh_all', {}, refreshReportSchema);

/** What a refresh of one account did, in a few words next to its button. */
export function describeRefresh(r: RefreshReport, network: Network): string {
  const name = networkName(network);
  if (r.refreshed) return 'Renewed just now.';
  if (r.needAttention) return `${name} needs you: see the status.`;
  if (r.retrying) return `Couldn't reach ${name}; Evergreen will keep trying.`;
  if (r.checked) return 'Checked: renewed recently, the next renewal is automatic.';
  return 'Nothing to renew.';
}

export function useRefreshAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: refreshAccount,
    onSettled: () => queryClient.invalidateQueries({ queryKey: accountKeys.all }),
  });
}
