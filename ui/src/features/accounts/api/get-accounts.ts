import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { call } from '@/lib/ipc';

import { accountKeys } from './keys';

export const accountStatusSchema = z.enum([
  'connected',
  'refreshing',
  'expiring',
  'needs_reconnect',
  'needs_instagram_login',
  'locked',
]);
export type AccountStatus = z.infer<typeof accountStatusSchema>;

export const accountSchema = z.object({
  id: z.string(),
  instagramUserId: z.string(),
  username: z.string(),
  accountType: z.string(),
  profilePictureUrl: z.string().nullable(),
  status: accountStatusSchema,
  statusReason: z.string().nullable(),
  tokenExpiresAt: z.string(),
  tokenRefreshedAt: z.string(),
  lastValidatedAt: z.string().nullable(),
  nextRefreshAt: z.string().nullable(),
});
export type Account = z.infer<typeof accountSchema>;

export const getAccounts = () => call('list_accounts', {}, z.array(accountSchema));

export const accountsOptions = () => queryOptions({ queryKey: accountKeys.lists(), queryFn: getAccounts });

export const useAccounts = () => useQuery(accountsOptions());
