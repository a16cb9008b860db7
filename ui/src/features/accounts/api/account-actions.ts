import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { type Network, accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const setActiveAccount = (id: string) => call('set_active_account', { id }, z.null());
export const disconnectAccount = (id: string) => call('disconnect_account', { id }, z.null());
export const openNetwork = (network: Network) => call('open_network', { network }, z.null());
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

/** Open the network's site, where a person confirms a login (a checkpoint). */
export const useOpenNetwork = () => useMutation({ mutationFn: (network: Network) => openNetwork(network) });

export function useSetAccountLabel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setAccountLabel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.lists() }),
  });
}
