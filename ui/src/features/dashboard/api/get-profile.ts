import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const profileSchema = z.object({
  username: z.string(),
  name: z.string().nullable(),
  accountType: z.string().nullable(),
  profilePictureUrl: z.string().nullable(),
  followersCount: z.number().int().nullable(),
  mediaCount: z.number().int().nullable(),
});
export type Profile = z.infer<typeof profileSchema>;

export const getProfile = (id: string) => call('account_profile', { id }, profileSchema);

export const profileOptions = (id: string) =>
  queryOptions({ queryKey: accountKeys.profile(id), queryFn: () => getProfile(id), staleTime: 5 * 60_000 });

export const useProfile = (id: string, enabled: boolean) => useQuery({ ...profileOptions(id), enabled });
