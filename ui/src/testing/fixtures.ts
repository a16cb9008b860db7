// Accounts in every state, for UI tests: times relative to now so relative dates read well.
import type { Account } from '@/lib/accounts';

const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

export function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'a1',
    instagramUserId: '17841400001',
    username: 'evergreen.shop',
    accountType: 'BUSINESS',
    profilePictureUrl: null,
    status: 'connected',
    statusReason: null,
    statusWords: null,
    tokenExpiresAt: at(52 * DAY),
    tokenRefreshedAt: at(-8 * DAY),
    lastValidatedAt: at(-2 * 3_600_000),
    nextRefreshAt: at(-6 * DAY + 2 * DAY),
    ...overrides,
  };
}
