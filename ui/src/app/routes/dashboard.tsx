import { Link, useLocation } from 'wouter';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Pill } from '@/components/ui/pill';
import { statusView } from '@/features/accounts/status';
import { useProfile } from '@/features/dashboard/api/get-profile';
import { MediaGrid } from '@/features/dashboard/components/media-grid';
import { ProfileHeader } from '@/features/dashboard/components/profile-header';
import { TokenTimeline } from '@/features/dashboard/components/token-timeline';
import { useActiveAccount } from '@/lib/accounts';
import { NETWORKS } from '@/lib/networks';
import { IpcError } from '@/lib/ipc';
import { useNow } from '@/lib/use-now';

export function DashboardRoute() {
  const { account, isPending } = useActiveAccount();
  const now = useNow();
  const [, navigate] = useLocation();
  const alive = !!account && account.status !== 'needs_reconnect' && account.status !== 'locked';
  const profile = useProfile(account?.id ?? '', alive);
  if (isPending) {
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  }
  if (!account) {
    return (
      <>
        <h1 className="page-title">Dashboard</h1>
        <section className="empty-state" data-testid="dashboard-empty">
          <h2>No account yet</h2>
          <p className="muted">Connect an Instagram or Threads account and its profile and token health show up here.</p>
          <Link className="button button--primary" href="/settings/integrations">
            Go to Integrations
          </Link>
        </section>
      </>
    );
  }
  const view = statusView(account, now);
  const { name, noPosts } = NETWORKS[account.network];
  return (
    <div data-testid="dashboard-account" data-username={account.username} data-network={account.network}>
      <h1 className="page-title">Dashboard</h1>
      {account.status === 'needs_reconnect' && (
        <Banner
          tone="danger"
          title={`@${account.username} needs Reconnect`}
          action={
            <Button variant="primary" onClick={() => navigate(`/settings/integrations?reconnect=${account.id}`)}>
              Reconnect {name}
            </Button>
          }
        >
          {view.line} What you see below is from the last check.
        </Banner>
      )}
      <Card title="Profile">
        <ProfileHeader account={account} profile={profile.data} />
        {profile.isError && (
          <p className="muted" role="status" data-testid="profile-stale">
            {IpcError.from(profile.error).message}
          </p>
        )}
      </Card>
      <Card title="Token health" aside={<Pill tone={view.tone}>{view.pill}</Pill>}>
        <p>{view.line}</p>
        <TokenTimeline account={account} now={now} />
      </Card>
      <Card title="Recent posts">
        {noPosts ? (
          <p className="muted" data-testid="media-not-shown">
            {noPosts}
          </p>
        ) : (
          <MediaGrid accountId={account.id} enabled={alive} />
        )}
      </Card>
    </div>
  );
}
