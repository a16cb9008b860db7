import { NavLink, Outlet } from 'react-router';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { LockedAccounts } from '@/features/accounts/components/locked-accounts';
import { LinkNotices } from '@/features/connect/components/link-notices';
import { useLockVault } from '@/features/vault/api/vault-mutations';
import { CreateVaultForm } from '@/features/vault/components/create-vault-form';
import { UnlockForm } from '@/features/vault/components/unlock-form';
import { useAppInfo } from '@/lib/app-info';
import { IpcError } from '@/lib/ipc';

export function RootLayout() {
  const info = useAppInfo();
  const lock = useLockVault();
  const vault = info.data?.vault;
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
        {vault === 'unlocked' && (
          <nav aria-label="Main" className="nav">
            <NavLink to="/dashboard">Dashboard</NavLink>
            <NavLink to="/settings/integrations">Integrations</NavLink>
          </nav>
        )}
        <div className="topbar__end" data-testid="account-switcher-slot">
          {vault === 'unlocked' && (
            <Button variant="ghost" onClick={() => lock.mutate()} busy={lock.isPending} data-testid="lock">
              Lock
            </Button>
          )}
        </div>
      </header>
      {info.data?.demo && (
        <Banner tone="info" title="Demo mode" data-testid="demo-banner">
          Evergreen is using a pretend Instagram on this computer. Nothing here touches real accounts.
        </Banner>
      )}
      <LinkNotices />
      <main id="main" className="content" tabIndex={-1}>
        {info.isPending ? (
          <p className="muted" role="status">
            Starting…
          </p>
        ) : info.isError ? (
          <Banner tone="danger" title="Evergreen couldn't start">
            {IpcError.from(info.error).message}
          </Banner>
        ) : vault === 'missing' ? (
          <CreateVaultForm />
        ) : vault === 'locked' ? (
          <>
            <UnlockForm />
            <LockedAccounts />
          </>
        ) : (
          <Outlet />
        )}
      </main>
      <footer className="footer muted">{info.data && <span>Evergreen {info.data.version}</span>}</footer>
    </div>
  );
}
