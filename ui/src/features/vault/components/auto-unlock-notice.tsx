import { Banner } from '@/components/ui/banner';

import { useAutoUnlockNotice } from '../api/auto-unlock';

/** Why automatic unlock could not be turned on with the new vault: said once, on any page. */
export function AutoUnlockNotice() {
  const notice = useAutoUnlockNotice();
  if (!notice.message) return null;
  return (
    <Banner
      tone="warning"
      title="Automatic unlock is off"
      data-testid="auto-unlock-notice"
      onDismiss={() => notice.set(null)}
    >
      {notice.message} You can turn it on in Settings.
    </Banner>
  );
}
