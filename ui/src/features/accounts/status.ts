// The words for each account state (ux-patterns A): one pill, one line, one action. Calm,
// never blaming, the same verb everywhere: Reconnect.
import type { PillTone } from '@/components/ui/pill';
import type { Account } from '@/lib/accounts';
import { daysUntil, shortDate } from '@/lib/time';

/** Why Instagram ended a connection, from the core's status reason. */
export const REASONS: Record<string, string> = {
  app_removed: 'Evergreen was removed from the account’s apps on Instagram.',
  password_changed: 'Instagram ended this connection after a password change or a security check.',
  expired: 'The access expired.',
  expired_while_closed: 'The access expired while Evergreen was closed.',
  unconfirmed_user: 'Instagram says the account isn’t confirmed yet.',
  logged_out: 'Instagram ended the session.',
  permission_missing: 'A permission Evergreen needs was turned off.',
  token_missing: 'Evergreen no longer has this connection saved.',
  vault_reset: 'The vault was reset, which erased the saved connection.',
};

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
        line: `${REASONS[account.statusReason ?? ''] ?? 'Instagram ended this connection.'} Your Instagram account is fine.`,
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
