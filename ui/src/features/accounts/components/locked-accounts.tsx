import { Pill } from '@/components/ui/pill';
import { relative, shortDate } from '@/lib/time';

import { useAccounts } from '../api/get-accounts';

/** Under the unlock form: what is waiting, from metadata (tokens stay locked away). */
export function LockedAccounts() {
  const accounts = useAccounts();
  if (!accounts.data?.length) return null;
  return (
    <section className="locked-accounts" aria-labelledby="locked-accounts-title">
      <h2 id="locked-accounts-title" className="section-title">
        Your accounts
      </h2>
      <p className="muted">While locked, Evergreen can&apos;t renew tokens. Dates are from the last check.</p>
      <ul className="plain-list">
        {accounts.data.map((a) => (
          <li key={a.id} className="locked-accounts__row" data-testid="locked-account">
            <span className="handle">@{a.username}</span>
            {a.status === 'locked' ? (
              <Pill tone="muted">Locked</Pill>
            ) : (
              <Pill tone="bad">Reconnect needed</Pill>
            )}
            <span className="muted">
              expires {relative(a.tokenExpiresAt)} ({shortDate(a.tokenExpiresAt)})
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
