import type { Account } from '@/lib/accounts';
import { dateTime, relative } from '@/lib/time';

type Mark = { key: string; label: string; at: string; tone: 'past' | 'now' | 'next' | 'end' };

/** The token's life as a line: issued → now → next renewal → expiry, with the dates. */
export function TokenTimeline({ account, now }: { account: Account; now: Date }) {
  const start = new Date(account.tokenRefreshedAt).getTime();
  const end = new Date(account.tokenExpiresAt).getTime();
  const span = Math.max(1, end - start);
  const position = (iso: string) => Math.min(100, Math.max(0, ((new Date(iso).getTime() - start) / span) * 100));
  const marks: Mark[] = [
    { key: 'issued', label: 'Issued', at: account.tokenRefreshedAt, tone: 'past' },
    { key: 'now', label: 'Now', at: now.toISOString(), tone: 'now' },
    ...(account.nextRefreshAt
      ? [{ key: 'next', label: 'Next renewal', at: account.nextRefreshAt, tone: 'next' as const }]
      : []),
    { key: 'expiry', label: 'Expires', at: account.tokenExpiresAt, tone: 'end' },
  ];
  return (
    <figure className="timeline" data-testid="token-timeline">
      <div className="timeline__track" aria-hidden="true">
        <div className="timeline__used" style={{ width: `${position(now.toISOString())}%` }} />
        {marks.map((m) => (
          <span key={m.key} className={`timeline__mark timeline__mark--${m.tone}`} style={{ left: `${position(m.at)}%` }} />
        ))}
      </div>
      <figcaption>
        <dl className="timeline__legend">
          {marks
            .filter((m) => m.key !== 'now')
            .map((m) => (
              <div key={m.key} data-testid={`timeline-${m.key}`}>
                <dt>{m.label}</dt>
                <dd>
                  {dateTime(m.at)} <span className="muted">({relative(m.at, now)})</span>
                </dd>
              </div>
            ))}
          {account.lastValidatedAt && (
            <div>
              <dt>Last checked</dt>
              <dd>
                {dateTime(account.lastValidatedAt)} <span className="muted">({relative(account.lastValidatedAt, now)})</span>
              </dd>
            </div>
          )}
        </dl>
      </figcaption>
    </figure>
  );
}
