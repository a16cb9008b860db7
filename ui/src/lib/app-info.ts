import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from './ipc';

/** The sign-in service real mode connects accounts through, and where that choice is written. */
export const signInSchema = z.object({
  url: z.string(),
  host: z.string(),
  source: z.enum(['environment', 'user_file', 'system_file', 'build_default']),
  /** The file, for `user_file` and `system_file`. */
  path: z.nullable(z.string()),
});
export type SignIn = z.infer<typeof signInSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  dataDir: z.string(),
  vault: z.enum(['missing', 'locked', 'unlocked']),
  /** Which profile is open: real Instagram accounts, or the pretend Instagram. */
  mode: z.enum(['real', 'demo']),
  /** `mode === 'demo'`. */
  demo: z.boolean(),
  /** Nobody has chosen between real and pretend yet: the choice comes before the vault. */
  firstRun: z.boolean(),
  signIn: z.nullable(signInSchema),
  /** Settings Evergreen ignored, already in words that name the file and the key. */
  configProblems: z.array(z.string()),
  online: z.nullable(z.boolean()),
  demoInstagramUrl: z.nullable(z.string()),
});
export type AppInfo = z.infer<typeof appInfoSchema>;
export type Mode = AppInfo['mode'];

export const appKeys = { info: ['app', 'info'] as const };

export const getAppInfo = () => call('app_info', {}, appInfoSchema);

/**
 * What the backend wrote into the page before any script ran (`window.__EVERGREEN_BOOT__`), so
 * the first screen renders at once instead of after a round trip. Marked stale, so it is
 * fetched again straight away; anything malformed is ignored and the page simply asks.
 */
export function bootAppInfo(): AppInfo | undefined {
  const parsed = appInfoSchema.safeParse((window as { __EVERGREEN_BOOT__?: unknown }).__EVERGREEN_BOOT__);
  return parsed.success ? parsed.data : undefined;
}

export const appInfoOptions = () =>
  queryOptions({ queryKey: appKeys.info, queryFn: getAppInfo, initialData: bootAppInfo, initialDataUpdatedAt: 0 });

export const useAppInfo = () => useQuery(appInfoOptions());
