import { Card } from '@/components/ui/card';
import { Pill } from '@/components/ui/pill';

/** The Instagram integration on /settings/integrations. */
export function InstagramCard() {
  return (
    <Card
      title={
        <span className="card__title-row">
          <InstagramGlyph /> Instagram
        </span>
      }
      aside={<Pill tone="muted">Not connected</Pill>}
      data-testid="instagram-card"
      data-state="not_connected"
    >
      <p className="muted">
        Connect an Instagram professional account (Business or Creator) and Evergreen keeps its access renewed, and tells
        you early if it ever needs you.
      </p>
    </Card>
  );
}

function InstagramGlyph() {
  return (
    <svg className="glyph" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="3" y="3" width="18" height="18" rx="5" fill="none" stroke="currentColor" strokeWidth="2" />
      <circle cx="12" cy="12" r="4" fill="none" stroke="currentColor" strokeWidth="2" />
      <circle cx="17.5" cy="6.5" r="1.2" fill="currentColor" />
    </svg>
  );
}
