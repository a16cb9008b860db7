import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const settingsKeys = { all: ['settings'] as const };

const int = (label: string, min: number, max: number, unit: string) =>
  z.pipe(
    z.coerce.number({ message: `${label}: enter a number.` }),
    z
      .int(`${label}: whole ${unit} only.`)
      .check(z.gte(min, `${label}: at least ${min} ${unit}.`), z.lte(max, `${label}: at most ${max} ${unit}.`)),
  );

/** The same bounds the core enforces (evergreen_core::refresh::RefreshPolicy::validate). */
export const policySchema = z
  .object({
    refreshAfterHours: int('Renew after', 24, 720, 'hours'),
    warnFirstDays: int('First warning', 1, 30, 'days'),
    warnLastHours: int('Last warning', 1, 719, 'hours'),
    maxConcurrency: int('Accounts at once', 1, 32, 'accounts'),
    backoffBaseSecs: int('First retry', 1, 3600, 'seconds'),
    backoffCapMinutes: int('Longest wait between retries', 1, 1440, 'minutes'),
  })
  .check(
    z.refine((p) => p.warnLastHours < p.warnFirstDays * 24, {
      path: ['warnLastHours'],
      message: 'Last warning: must come after the first warning (fewer hours before expiry).',
    }),
    z.refine((p) => p.backoffCapMinutes * 60 >= p.backoffBaseSecs, {
      path: ['backoffCapMinutes'],
      message: 'Longest wait between retries: at least the first retry.',
    }),
  );
export type Policy = z.infer<typeof policySchema>;

export const settingsSchema = z.object({
  refreshPolicy: z.object({
    refreshAfterHours: z.number(),
    warnFirstDays: z.number(),
    warnLastHours: z.number(),
    maxConcurrency: z.number(),
    backoffBaseSecs: z.number(),
    backoffCapMinutes: z.number(),
  }),
  launchAtLogin: z.boolean(),
});

export const getSettings = () => call('get_settings', {}, settingsSchema);
export const setRefreshPolicy = (policy: Policy) => call('set_refresh_policy', { policy }, z.null());

export const settingsOptions = () => queryOptions({ queryKey: settingsKeys.all, queryFn: getSettings });
export const useSettings = () => useQuery(settingsOptions());

export function useSetRefreshPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setRefreshPolicy,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: settingsKeys.all });
      // Next-renewal dates move with the policy.
      void queryClient.invalidateQueries({ queryKey: accountKeys.all });
    },
  });
}

export const setLaunchAtLogin = (on: boolean) => call('set_launch_at_login', { on }, z.null());

export function useSetLaunchAtLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setLaunchAtLogin,
    onSettled: () => queryClient.invalidateQueries({ queryKey: settingsKeys.all }),
  });
}
