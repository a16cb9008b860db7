import { Card } from '@/components/ui/card';
import { IpcError } from '@/lib/ipc';

import { useSetLaunchAtLogin, useSettings } from '../api/settings';

/** Launch at login: off by default; when on, Evergreen starts hidden in the tray. */
export function LaunchAtLogin() {
  const settings = useSettings();
  const set = useSetLaunchAtLogin();
  const on = set.isPending ? set.variables : (settings.data?.launchAtLogin ?? false);
  return (
    <Card title="Start with your computer" data-testid="launch-at-login">
      <label className="toggle">
        <input
          type="checkbox"
          checked={on}
          disabled={settings.isPending || set.isPending}
          onChange={(e) => set.mutate(e.target.checked)}
          data-testid="launch-at-login-toggle"
        />
        <span>Start Evergreen when I log in</span>
      </label>
      <p className="muted">
        It starts hidden in the tray, so renewals keep happening without opening the window. Evergreen only renews while
        it runs.
      </p>
      {set.isError && (
        <p className="form-error" role="alert">
          {IpcError.from(set.error).message}
        </p>
      )}
    </Card>
  );
}
