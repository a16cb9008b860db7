import { Banner } from '@/components/ui/banner';

import { useDismissLinkNotice } from '../api/dismiss-link-notice';
import { useLinkNotices } from '../api/get-link-notices';

const TITLES = { connected: 'Connected', failed: 'Not connected', refused: 'Link refused' } as const;

/** How links from the browser ended: connected, failed (and why), or refused as not ours. */
export function LinkNotices() {
  const notices = useLinkNotices();
  const dismiss = useDismissLinkNotice();
  if (!notices.data?.length) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.data.map((notice) => (
        <Banner
          key={notice.id}
          tone={notice.kind === 'connected' ? 'success' : 'warning'}
          title={TITLES[notice.kind]}
          data-testid="link-notice"
          data-kind={notice.kind}
          data-code={notice.code ?? undefined}
          onDismiss={() => dismiss.mutate(notice.id)}
        >
          {notice.message}
        </Banner>
      ))}
    </div>
  );
}
