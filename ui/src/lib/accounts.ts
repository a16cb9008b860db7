// Accounts as every feature sees them: the schema of `list_accounts` and its query. Shared
// because the switcher, the card, the dashboard and the unlock screen all show accounts.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from './ipc';

/** Query keys for accounts: general to specific. */
export const accountKeys = {
  all: ['accounts'] as const,
  lists: () => [...accountKeys.all, 'list'] as const,
  active: () => [...accountKeys.all, 'active'] as const,
  profile: (id: string) => [...accountKeys.all, 'profile', id] as const,
  media: (id: string) => [...accountKeys.all, 'media', id] as const,
};

export const accountStatusSchema = z.enum([
  'connected',
  'refreshing',
  'expiring',
  'needs_reconnect',
  'needs_instagram_login',
  'locked',
]);
export type AccountStatus = z.infer<typeof accountStatusSchema>;

/** The networks Evergreen keeps accounts of (the core's `Network`, its stored words). */
export const networkSchema = z.enum(['instagram', 'threads']);
export type Network = z.infer<typeof networkSchema>;

export const accountSchema = z.object({
  id: z.string(),
  network: networkSchema,
  networkUserId: z.string(),
  username: z.string(),
  accountType: z.string(),
  profilePictureUrl: z.nullable(z.string()),
  status: accountStatusSchema,
  statusReason: z.nullable(z.string()),
  /** Why, in words: the core's one mapping of reasons to words. */
  statusWords: z.nullable(z.string()),
  tokenExpiresAt: z.string(),
  tokenRefreshedAt: z.string(),
  lastValidatedAt: z.nullable(z.string()),
  nextRefreshAt: z.nullable(z.string()),
  /** The person's label for the account: the client or brand ("Harbour Cafe"). */
  label: z.nullable(z.string()),
});
export type Account = z.infer<typeof accountSchema>;

export const getAccounts = () => call('list_accounts', {}, z.array(accountSchema));

export const accountsOptions = () => queryOptions({ queryKey: accountKeys.lists(), queryFn: getAccounts });

export const useAccounts = () => useQuery(accountsOptions());

export const getActiveAccount = () => call('active_account', {}, z.nullable(z.string()));

export const activeAccountOptions = () => queryOptions({ queryKey: accountKeys.active(), queryFn: getActiveAccount });

export const useActiveAccountId = () => useQuery(activeAccountOptions());

/** The active account's data, from the list. */
export function useActiveAccount(): { account: Account | undefined; isPending: boolean } {
  const accounts = useAccounts();
  const active = useActiveAccountId();
  const list = accounts.data ?? [];
  return {
    account: list.find((a) => a.id === active.data) ?? list[0],
    isPending: accounts.isPending || active.isPending,
  };
}

/** Accounts that need the user: a dead token, an Instagram checkpoint, or expiry near. */
export const needsAttention = (a: Account) =>
  a.status === 'needs_reconnect' || a.status === 'needs_instagram_login' || a.status === 'expiring';
