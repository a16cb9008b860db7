// The words for each account state (ux-patterns A): one pill, one line, one action. Calm,
// never blaming, the same verb everywhere: Reconnect.
import type { PillTone } from '@/components/ui/pill';
import type { Account } from '@/lib/accounts';
import { NETWORKS } from '@/lib/networks';
import { daysUntil, shortDate } from '@/lib/time';

/** "the access expired" → "The access expired." (the core sends a clause; see `StatusReason::words`). */
function sentence(clause: string) {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
}

export type StatusView = { pill: string; tone: PillTone; line: string };

export function statusView(account: Account, now: Date): StatusView {
  const expires = shortDate(account.tokenExpiresAt, now);
  const { name, site } = NETWORKS[account.network];
  switch (account.status) {
    case 'connected':
      return { pill: 'Connected', tone: 'ok', line: `Renews automatically, well before ${expires}.` };
    case 'refreshing':
      return { pill: 'Refreshing…', tone: 'busy', line: `Renewing with ${name}…` };
    case 'expiring': {
      const days = Math.max(0, daysUntil(account.tokenExpiresAt, now));
      return {
        pill: days <= 1 ? 'Expires within a day' : `Expires in ${days} days`,
        tone: 'warn',
        line: 'Automatic renewal keeps failing; Evergreen keeps trying. Reconnect to be safe.',
      };
    }
    case 'needs_reconnect':
      return {
        pill: 'Reconnect needed',
        tone: 'bad',
        line: `${sentence(account.statusWords ?? `${name} ended this connection`)} Your ${name} account is fine.`,
      };
    case 'needs_instagram_login':
      return {
        pill: `Log in on ${name}`,
        tone: 'warn',
        line: `${name} wants you to confirm a login on ${site} or in the ${name} app first.`,
      };
    case 'locked':
      return { pill: 'Locked', tone: 'muted', line: 'Unlock to keep tokens renewed. Dates shown are from the last check.' };
  }
}

export const TYPES: Record<string, string> = { BUSINESS: 'Business', MEDIA_CREATOR: 'Creator' };

/** The kind of account, as the card names it: Instagram's type, or "Threads profile". */
export function accountKind(account: Pick<Account, 'network' | 'accountType'>): string {
  if (account.network === 'threads') return 'Threads profile';
  return TYPES[account.accountType] ?? account.accountType;
}
