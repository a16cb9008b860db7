import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const profileSchema = z.object({
  username: z.string(),
  name: z.nullable(z.string()),
  accountType: z.nullable(z.string()),
  profilePictureUrl: z.nullable(z.string()),
  followersCount: z.nullable(z.int()),
  mediaCount: z.nullable(z.int()),
});
export type Profile = z.infer<typeof profileSchema>;

export const getProfile = (id: string) => call('account_profile', { id }, profileSchema);

export const profileOptions = (id: string) =>
  queryOptions({ queryKey: accountKeys.profile(id), queryFn: () => getProfile(id), staleTime: 5 * 60_000 });

export const useProfile = (id: string, enabled: boolean) => useQuery({ ...profileOptions(id), enabled });
