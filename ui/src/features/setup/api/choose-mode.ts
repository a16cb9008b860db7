import { hashKey, useMutation, useQueryClient } from '@tanstack/react-query';

import { type AppInfo, appInfoSchema, appKeys, type Mode } from '@/lib/app-info';
import { call } from '@/lib/ipc';

/** Open the real or the pretend profile; answers with the app info of the one now open. */
export const chooseMode = (mode: Mode) => call('choose_mode', { mode }, appInfoSchema);

/**
 * After a switch everything cached belongs to the profile just closed: the app info becomes
 * the answer, and every other query starts over (the ones on screen are asked again).
 * The app info is set, not reset: resetting would bring back the page's boot state, which
 * describes the profile Evergreen started with.
 */
export function useChooseMode({ onSuccess }: { onSuccess?: (info: AppInfo) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: chooseMode,
    onSuccess: (info) => {
      const appInfo = hashKey(appKeys.info);
      void queryClient.cancelQueries({ queryKey: appKeys.info });
      queryClient.setQueryData(appKeys.info, info);
      void queryClient.resetQueries({ predicate: (query) => query.queryHash !== appInfo });
      onSuccess?.(info);
    },
  });
}
