import { Link } from 'react-router';

import { Card } from '@/components/ui/card';
import { useAccounts } from '@/features/accounts/api/get-accounts';
import { relative, shortDate } from '@/lib/time';

export function DashboardRoute() {
  const accounts = useAccounts();
  const account = accounts.data?.[0];
  return (
    <>
      <h1 className="page-title">Dashboard</h1>
      {accounts.isPending ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : !account ? (
        <section className="empty-state" data-testid="dashboard-empty">
          <h2>No account yet</h2>
          <p className="muted">Connect an Instagram account and its profile and token health show up here.</p>
          <Link className="button button--primary" to="/settings/integrations">
            Go to Integrations
          </Link>
        </section>
      ) : (
        <Card title={`@${account.username}`} data-testid="dashboard-account">
          <p>
            Access valid until <strong>{shortDate(account.tokenExpiresAt)}</strong> ({relative(account.tokenExpiresAt)}).
          </p>
        </Card>
      )}
    </>
  );
}
