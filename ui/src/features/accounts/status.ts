// The words for each account state (ux-patterns A): one pill, one line, one action. Calm,
// never blaming, the same verb everywhere: Reconnect.
import type { PillTone } from '@/components/ui/pill';
import type { Account } from '@/lib/accounts';
import { daysUntil, shortDate } from '@/lib/time';

/** "the access expired" → "The access expired." (the core sends a clause; see `StatusReason::words`). */
function sentence(clause: string) {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
}

export type StatusView = { pill: string; tone: PillTone; line: string };

export function statusView(account: Account, now: Date): StatusView {
  const expires = shortDate(account.tokenExpiresAt, now);
  switch (account.status) {
    case 'connected':
      return { pill: 'Connected', tone: 'ok', line: `Renews automatically, well before ${expires}.` };
    case 'refreshing':
      return { pill: 'Refreshing…', tone: 'busy', line: 'Renewing with Instagram…' };
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
        line: `${sentence(account.statusWords ?? 'Instagram ended this connection')} Your Instagram account is fine.`,
      };
    case 'needs_instagram_login':
      return {
        pill: 'Log in on Instagram',
        tone: 'warn',
        line: 'Instagram wants you to confirm a login on instagram.com or in the Instagram app first.',
      };
    case 'locked':
      return { pill: 'Locked', tone: 'muted', line: 'Unlock to keep tokens renewed. Dates shown are from the last check.' };
  }
}

export const TYPES: Record<string, string> = { BUSINESS: 'Business', MEDIA_CREATOR: 'Creator' };
