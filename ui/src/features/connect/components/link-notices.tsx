import { Banner } from '@/components/ui/banner';

import { useDismissLinkNotice } from '../api/dismiss-link-notice';
import { useLinkNotices } from '../api/get-link-notices';

/** What happened to links the OS delivered: refused ones say why. */
export function LinkNotices() {
  const notices = useLinkNotices();
  const dismiss = useDismissLinkNotice();
  if (!notices.data?.length) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.data.map((notice) => (
        <Banner
          key={notice.id}
          tone={notice.kind === 'refused' ? 'warning' : 'success'}
          title={notice.kind === 'refused' ? 'Link refused' : 'Link received'}
          data-testid="link-notice"
          data-code={notice.code ?? undefined}
          onDismiss={() => dismiss.mutate(notice.id)}
        >
          {notice.message}
        </Banner>
      ))}
    </div>
  );
}
