import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from '@/lib/ipc';

export const autoUnlockKeys = {
  all: ['auto-unlock'] as const,
  /** Set by the UI only: why turning it on with a new vault did not work (shown once). */
  notice: ['auto-unlock', 'notice'] as const,
};

export const autoUnlockSchema = z.object({
  /** The login keyring opens the vault at start. */
  enabled: z.boolean(),
  /** Why this start needed the passphrase after all, in words. */
  fallback: z.nullable(z.string()),
});
export type AutoUnlock = z.infer<typeof autoUnlockSchema>;

export const getAutoUnlock = () => call('auto_unlock', {}, autoUnlockSchema);

export const setAutoUnlock = ({ on, passphrase }: { on: boolean; passphrase?: string }) =>
  call('set_auto_unlock', on ? { on, passphrase } : { on }, z.null());

export const autoUnlockQuery = () => queryOptions({ queryKey: autoUnlockKeys.all, queryFn: getAutoUnlock });

export const useAutoUnlock = () => useQuery(autoUnlockQuery());

export function useSetAutoUnlock() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setAutoUnlock,
    onSettled: () => queryClient.invalidateQueries({ queryKey: autoUnlockKeys.all, exact: true }),
  });
}

/** A notice the UI keeps for itself: never fetched, so no refresh clears it. */
export function useAutoUnlockNotice() {
  const queryClient = useQueryClient();
  const notice = useQuery({
    queryKey: autoUnlockKeys.notice,
    queryFn: () => null,
    initialData: null as string | null,
    enabled: false,
  });
  return {
    message: notice.data,
    set: (message: string | null) => queryClient.setQueryData(autoUnlockKeys.notice, message),
  };
}
