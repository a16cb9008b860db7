import { useCallback } from 'react';
import { useLocation } from 'wouter';

import { LaunchAtLogin } from '@/features/settings/components/launch-at-login';
import { RefreshPolicyForm } from '@/features/settings/components/refresh-policy-form';
import { ModeSwitch } from '@/features/setup/components/mode-switch';
import { SignInServiceCard } from '@/features/setup/components/sign-in-service-card';
import { AutoUnlockCard } from '@/features/vault/components/auto-unlock-card';

export function SettingsRoute() {
  const [, navigate] = useLocation();
  // The other profile opens at its vault page, then at the start like any other launch.
  const toStart = useCallback(() => navigate('/', { replace: true }), [navigate]);
  return (
    <>
      <h1 className="page-title">Settings</h1>
      <ModeSwitch onSwitched={toStart} />
      <SignInServiceCard />
      <LaunchAtLogin />
      <AutoUnlockCard />
      <RefreshPolicyForm />
    </>
  );
}
