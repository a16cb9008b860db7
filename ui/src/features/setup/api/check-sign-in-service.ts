import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { networkSchema } from '@/lib/accounts';
import { call } from '@/lib/ipc';

import { setupKeys } from './keys';

/** What a sign-in service says about itself when Evergreen checks it. */
export const serviceInfoSchema = z.object({
  url: z.string(),
  host: z.string(),
  name: z.string(),
  version: z.string(),
  instagramAppId: z.string(),
  /** What it asks Instagram for on the person's behalf. */
  permissions: z.array(z.string()),
  /** The networks it connects, Instagram first. */
  networks: z.array(networkSchema),
  threadsAppId: z.nullable(z.string()),
});
export type ServiceInfo = z.infer<typeof serviceInfoSchema>;

export const checkSignInService = (url: string) => call('check_sign_in_service', { url }, serviceInfoSchema);

export const signInServiceOptions = (url: string) =>
  queryOptions({ queryKey: setupKeys.service(url), queryFn: () => checkSignInService(url) });

/** The service at `url`, asked over the network; nothing is asked without an address. */
export const useSignInService = (url: string | undefined) =>
  useQuery({ ...signInServiceOptions(url ?? ''), enabled: !!url });
