import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from '@/lib/ipc';
import { refetchAfterVaultChange } from '@/lib/vault-change';

export const createVault = (passphrase: string) => call('create_vault', { passphrase }, z.null());
export const unlockVault = (passphrase: string) => call('unlock_vault', { passphrase }, z.null());
export const restoreVault = (passphrase: string) => call('restore_vault', { passphrase }, z.null());
export const lockVault = () => call('lock_vault', {}, z.null());
export const resetVault = () => call('reset_vault', {}, z.null());

/**
 * The `vault://changed` event refreshes everything that depends on the vault; mutations only
 * refetch the list and then the app info, so the screen switches even if the event is missed,
 * and never before the list is current.
 */
function useVaultMutation<A>(fn: (arg: A) => Promise<null>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => refetchAfterVaultChange(queryClient),
  });
}

export const useCreateVault = () => useVaultMutation(createVault);
export const useUnlockVault = () => useVaultMutation(unlockVault);
export const useRestoreVault = () => useVaultMutation(restoreVault);
export const useLockVault = () => useVaultMutation(lockVault);
export const useResetVault = () => useVaultMutation(resetVault);
