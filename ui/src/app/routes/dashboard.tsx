import { Link } from 'react-router';

export function DashboardRoute() {
  return (
    <>
      <h1 className="page-title">Dashboard</h1>
      <section className="empty-state" data-testid="dashboard-empty">
        <h2>No account yet</h2>
        <p className="muted">Connect an Instagram account and its profile and token health show up here.</p>
        <Link className="button button--primary" to="/settings/integrations">
          Go to Integrations
        </Link>
      </section>
    </>
  );
}
