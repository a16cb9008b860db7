import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const setActiveAccount = (id: string) => call('set_active_account', { id }, z.null());
export const disconnectAccount = (id: string) => call('disconnect_account', { id }, z.null());
export const openInstagram = () => call('open_instagram', {}, z.null());
export const setAccountLabel = ({ id, label }: { id: string; label: string }) =>
  call('set_account_label', { id, label }, z.null());

// The backend also announces these (accounts://changed); invalidating here keeps the screen
// right even if the event is missed.
export function useSetActiveAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setActiveAccount,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.all }),
  });
}

export function useDisconnectAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: disconnectAccount,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.all }),
  });
}

export const useOpenInstagram = () => useMutation({ mutationFn: openInstagram });

export function useSetAccountLabel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setAccountLabel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.lists() }),
  });
}
