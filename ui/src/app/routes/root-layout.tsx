import { NavLink, Outlet } from 'react-router';

import { Banner } from '@/components/ui/banner';
import { LinkNotices } from '@/features/connect/components/link-notices';
import { useAppInfo } from '@/lib/app-info';

export function RootLayout() {
  const info = useAppInfo();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <img src="./icon.svg" alt="" width="28" height="28" />
          <span>Evergreen</span>
        </div>
        <nav aria-label="Main" className="nav">
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/settings/integrations">Integrations</NavLink>
        </nav>
        <div className="topbar__end" data-testid="account-switcher-slot" />
      </header>
      {info.data?.demo && (
        <Banner tone="info" title="Demo mode" data-testid="demo-banner">
          Evergreen is using a pretend Instagram on this computer. Nothing here touches real accounts.
        </Banner>
      )}
      <LinkNotices />
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="footer muted">{info.data && <span>Evergreen {info.data.version}</span>}</footer>
    </div>
  );
}
