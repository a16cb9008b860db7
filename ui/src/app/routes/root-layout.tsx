import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { AccountSwitcher } from '@/features/accounts/components/account-switcher';
import { NetworkCard } from '@/features/accounts/components/network-card';
import { LinkNotices } from '@/features/connect/components/link-notices';
import { FirstRun } from '@/features/setup/components/first-run';
import { useLockVault } from '@/features/vault/api/vault-mutations';
import { AutoUnlockNotice } from '@/features/vault/components/auto-unlock-notice';
import { CreateVaultForm } from '@/features/vault/components/create-vault-form';
import { UnlockForm } from '@/features/vault/components/unlock-form';
import { useAccounts } from '@/lib/accounts';
import { useAppInfo } from '@/lib/app-info';
import { useCloseToTrayShortcut } from '@/lib/close-to-tray';
import { useReportFirstPaint } from '@/lib/paint-report';
import { useQuietIdleCaret } from '@/lib/quiet-caret';
import { IpcError } from '@/lib/ipc';
import { NETWORK_ORDER } from '@/lib/networks';

/** A main-menu link, marked as the current page when it is. */
function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const [path] = useLocation();
  const current = path === to;
  return (
    <Link href={to} className={current ? 'active' : undefined} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** Header, banners and footer around the page, or the vault's screen while it is locked. */
export function RootLayout({ children }: { children: ReactNode }) {
  const info = useAppInfo();
  const lock = useLockVault();
  const [, navigate] = useLocation();
  const accounts = useAccounts();
  const vault = info.data?.vault;
  const firstRun = info.data?.firstRun ?? false;
  useCloseToTrayShortcut();
  useQuietIdleCaret();
  useReportFirstPaint(info.isSuccess);
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
            <NavLink to="/settings/integrations">
              Integrations
            </NavLink>
            <NavLink to="/activity">Activity</NavLink>
            <NavLink to="/settings">
              Settings
            </NavLink>
          </nav>
        )}
        <div className="topbar__end">
          {info.data?.online === false && (
            <span className="pill pill--warn" role="status" data-testid="offline">
              Offline: Evergreen will retry
            </span>
          )}
          {vault === 'unlocked' && (
            <>
              <AccountSwitcher onAddAccount={() => navigate('/settings/integrations?connect=add')} />
              <Button variant="ghost" onClick={() => lock.mutate()} busy={lock.isPending} data-testid="lock">
                Lock
              </Button>
            </>
          )}
        </div>
      </header>
      {/* Before the first choice nothing is pretend yet: the choice itself says what each is. */}
      {info.data?.demo && !firstRun && (
        <Banner
          tone="info"
          title="Demo mode"
          data-testid="demo-banner"
          data-instagram={info.data.demoInstagramUrl ?? undefined}
        >
          Evergreen is using a pretend Instagram on this computer. Nothing here touches real accounts.
        </Banner>
      )}
      <LinkNotices />
      <AutoUnlockNotice />
      <main id="main" className="content" tabIndex={-1}>
        {info.isPending ? (
          <p className="muted" role="status">
            Starting…
          </p>
        ) : info.isError ? (
          <Banner tone="danger" title="Evergreen couldn't start">
            {IpcError.from(info.error).message}
          </Banner>
        ) : firstRun ? (
          <FirstRun onChosen={() => navigate('/', { replace: true })} />
        ) : vault === 'missing' ? (
          <CreateVaultForm />
        ) : vault === 'locked' ? (
          <>
            <UnlockForm />
            {!!accounts.data?.length && (
              <div className="locked-accounts">
                {NETWORK_ORDER.filter((n) => accounts.data?.some((a) => a.network === n)).map((network) => (
                  <NetworkCard key={network} network={network} />
                ))}
              </div>
            )}
          </>
        ) : (
          children
        )}
      </main>
      <footer className="footer muted">
        {info.data && <span>Evergreen {info.data.version}</span>}
        <span>Closing this window (Ctrl+W) keeps Evergreen renewing from the tray.</span>
      </footer>
    </div>
  );
}
