import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from '@/lib/ipc';

import { connectKeys } from './keys';

export const dismissLinkNotice = (id: number) => call('dismiss_link_notice', { id }, z.null());

export function useDismissLinkNotice() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: dismissLinkNotice,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: connectKeys.notices() }),
  });
}
