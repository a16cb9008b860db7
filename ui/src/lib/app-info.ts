import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from './ipc';

export const appInfoSchema = z.object({
  version: z.string(),
  dataDir: z.string(),
  vault: z.enum(['missing', 'locked', 'unlocked']),
  demo: z.boolean(),
  online: z.nullable(z.boolean()),
  demoInstagramUrl: z.nullable(z.string()),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

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
