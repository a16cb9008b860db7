import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { call } from './ipc';

export const appInfoSchema = z.object({
  version: z.string(),
  dataDir: z.string(),
  vault: z.enum(['missing', 'locked', 'unlocked']),
  demo: z.boolean(),
  online: z.boolean().nullable(),
  demoInstagramUrl: z.string().nullable(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const appKeys = { info: ['app', 'info'] as const };

export const getAppInfo = () => call('app_info', {}, appInfoSchema);

export const appInfoOptions = () => queryOptions({ queryKey: appKeys.info, queryFn: getAppInfo });

export const useAppInfo = () => useQuery(appInfoOptions());
