import { Banner } from '@/components/ui/banner';
import { IpcError } from '@/lib/ipc';
import { dateTime } from '@/lib/time';

import { useEvents } from '../api/get-events';

const KINDS: Record<string, { label: string; tone: string }> = {
  connected: { label: 'Connected', tone: 'ok' },
  reconnected: { label: 'Reconnected', tone: 'ok' },
  refreshed: { label: 'Renewed', tone: 'ok' },
  validated: { label: 'Checked', tone: 'muted' },
  refresh_failed: { label: 'Problem', tone: 'warn' },
  status_changed: { label: 'Status', tone: 'warn' },
  notified: { label: 'Notified', tone: 'muted' },
  disconnected: { label: 'Disconnected', tone: 'muted' },
  vault: { label: 'Vault', tone: 'muted' },
};

/** What Evergreen did and saw, newest first, in plain words. */
export function ActivityList() {
  const events = useEvents();
  if (events.isPending) return <p className="muted" role="status">Loading activity…</p>;
  if (events.isError) {
    return (
      <Banner tone="danger" title="Couldn't load activity">
        {IpcError.from(events.error).message}
      </Banner>
    );
  }
  if (events.data.length === 0) return <p className="muted">Nothing yet. Renewals and checks show up here.</p>;
  return (
    <ol className="activity plain-list" data-testid="activity">
      {events.data.map((e) => {
        const kind = KINDS[e.kind] ?? { label: e.kind, tone: 'muted' };
        return (
          <li key={e.id} className="activity__row" data-testid="activity-row">
            <time className="muted activity__time" dateTime={e.at}>
              {dateTime(e.at)}
            </time>
            <span className={`pill pill--${kind.tone}`}>{kind.label}</span>
            <span>{e.detail}</span>
          </li>
        );
      })}
    </ol>
  );
}
