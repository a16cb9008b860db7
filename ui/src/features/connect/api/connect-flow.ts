import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import type { Network } from '@/lib/accounts';
import { call } from '@/lib/ipc';

import { connectKeys } from './keys';

export type Purpose = 'connect' | 'add' | 'reconnect';

export const connectStartedSchema = z.object({
  state: z.string(),
  authorizeUrl: z.url(),
  browserOpened: z.boolean(),
});
export type ConnectStarted = z.infer<typeof connectStartedSchema>;

/** A pasted link must at least look like ours before it is sent; the backend checks the rest. */
export const pastedLinkSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, 'Paste the link first.'),
    z.maxLength(4096, 'That is far longer than an Evergreen link.'),
    z.refine((l) => l.toLowerCase().startsWith('app.evergreen:'), 'Evergreen links start with app.evergreen:'),
  );

export const startConnect = (purpose: Purpose, accountId?: string, network: Network = 'instagram') =>
  call('start_connect', { purpose, accountId: accountId ?? null, network }, connectStartedSchema);
export const reopenConnect = (flow: string) => call('reopen_connect', { flow }, z.null());
export const cancelConnect = (flow: string) => call('cancel_connect', { flow }, z.boolean());
export const submitLink = (link: string) => call('submit_link', { link }, z.null());

export const useStartConnect = () =>
  useMutation({
    mutationFn: ({ purpose, accountId, network }: { purpose: Purpose; accountId?: string; network?: Network }) =>
      startConnect(purpose, accountId, network),
  });
export const useReopenConnect = () => useMutation({ mutationFn: reopenConnect });
export const useCancelConnect = () => useMutation({ mutationFn: cancelConnect });

export function useSubmitLink() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: submitLink,
    // The outcome arrives as a notice (also announced by an event).
    onSuccess: () => queryClient.invalidateQueries({ queryKey: connectKeys.notices() }),
  });
}
