import { LaunchAtLogin } from '@/features/settings/components/launch-at-login';
import { RefreshPolicyForm } from '@/features/settings/components/refresh-policy-form';

export function SettingsRoute() {
  return (
    <>
      <h1 className="page-title">Settings</h1>
      <LaunchAtLogin />
      <RefreshPolicyForm />
    </>
  );
}
