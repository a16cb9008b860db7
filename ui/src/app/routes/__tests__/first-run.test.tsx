import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { AppInfo } from '@/lib/app-info';
import { mockBackend } from '@/testing/backend';
import { appInfo, serviceInfo } from '@/testing/fixtures';
import { renderApp } from '@/testing/render-app';

const firstRun = (overrides: Partial<AppInfo> = {}) => appInfo({ firstRun: true, vault: 'missing', ...overrides });
const never = () => new Promise(() => undefined);
const REAL = 'Connect your Instagram accounts';
const DEMO = 'Try Evergreen with a pretend Instagram';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('first run: real or pretend', () => {
  it('offers both choices before the vault, naming the sign-in service and its host', async () => {
    // Demo is what the backend would open by itself; nothing is pretend until someone chooses.
    mockBackend({
      app_info: () => firstRun({ mode: 'demo' }),
      check_sign_in_service: () => serviceInfo({ name: 'Northwind Sign-in' }),
    });
    renderApp('/');
    const page = await screen.findByTestId('first-run');
    const real = within(page).getByRole('button', { name: REAL });
    const demo = within(page).getByRole('button', { name: DEMO });
    await waitFor(() => expect(real).toHaveAccessibleDescription(/Northwind Sign-in \(sign-in\.evergreen\.example\)/));
    expect(real).toBeEnabled();
    expect(demo).toBeEnabled();
    expect(demo).toHaveAccessibleDescription(/Nothing you do here reaches Instagram/);
    expect(demo).toHaveAccessibleDescription(/pretend accounts stay separate from real ones/);
    expect(demo).toHaveAccessibleDescription(/switch to your real accounts later in Settings/);
    expect(screen.queryByTestId('create-vault')).not.toBeInTheDocument();
    expect(screen.queryByTestId('demo-banner')).not.toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
  });

  it('shows the host while the sign-in service is being checked', async () => {
    const backend = mockBackend({ app_info: () => firstRun(), check_sign_in_service: never });
    renderApp('/');
    const real = await screen.findByRole('button', { name: REAL });
    expect(real).toHaveAccessibleDescription(/sign-in\.evergreen\.example \(checking…\)/);
    await waitFor(() =>
      expect(backend.calls).toContainEqual({ cmd: 'check_sign_in_service', args: { url: 'https://sign-in.evergreen.example/' } }),
    );
  });

  it('opens the pretend Instagram and shows its vault page from the answer', async () => {
    let chosen = false;
    const answer = deferred<AppInfo>();
    const backend = mockBackend({
      // Once chosen the app info is never asked again in this test: the answer is enough.
      app_info: () => (chosen ? never() : firstRun()),
      choose_mode: () => {
        chosen = true;
        return answer.promise;
      },
    });
    renderApp('/');
    await userEvent.click(await screen.findByRole('button', { name: DEMO }));
    expect(screen.getByRole('button', { name: DEMO })).toBeDisabled();
    expect(screen.getByRole('button', { name: REAL })).toBeDisabled();
    expect(screen.getByRole('status')).toHaveTextContent('Opening the pretend Instagram…');
    expect(backend.calls).toContainEqual({ cmd: 'choose_mode', args: { mode: 'demo' } });

    answer.resolve(appInfo({ mode: 'demo', vault: 'missing' }));
    expect(await screen.findByTestId('create-vault')).toBeInTheDocument();
    expect(screen.queryByTestId('first-run')).not.toBeInTheDocument();
    expect(screen.getByTestId('demo-banner')).toHaveTextContent('pretend Instagram');
  });

  it('opens the real accounts and shows their vault page', async () => {
    let info = firstRun();
    const backend = mockBackend({
      app_info: () => info,
      choose_mode: () => {
        info = appInfo({ mode: 'real', vault: 'locked' });
        return info;
      },
    });
    renderApp('/');
    await userEvent.click(await screen.findByRole('button', { name: REAL }));
    expect(await screen.findByTestId('unlock-vault')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'choose_mode', args: { mode: 'real' } });
    expect(screen.queryByTestId('demo-banner')).not.toBeInTheDocument();
  });

  it('still lets the person choose real accounts when the sign-in service does not answer', async () => {
    let info = firstRun();
    const backend = mockBackend({
      app_info: () => info,
      check_sign_in_service: () =>
        Promise.reject({ code: 'relay_unreachable', message: "Evergreen couldn't reach sign-in.evergreen.example." }),
      choose_mode: () => {
        info = appInfo({ vault: 'missing' });
        return info;
      },
    });
    renderApp('/');
    const real = await screen.findByRole('button', { name: REAL });
    await waitFor(() => expect(real).toHaveAccessibleDescription(/Evergreen couldn't reach sign-in\.evergreen\.example\./));
    expect(real).toHaveAccessibleDescription(/Sign-in service: sign-in\.evergreen\.example/);
    expect(real).toHaveAccessibleDescription(/You can still choose this/);
    expect(real).toBeEnabled();
    await userEvent.click(real);
    expect(await screen.findByTestId('create-vault')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'choose_mode', args: { mode: 'real' } });
  });

  it('without a sign-in service, offers only the pretend Instagram and says why, with the ignored settings', async () => {
    const problem = '/etc/evergreen/config.toml: `sign_in_service` is not a web address (relative URL without a base). Evergreen ignored it.';
    const backend = mockBackend({ app_info: () => firstRun({ signIn: null, configProblems: [problem] }) });
    renderApp('/');
    const real = await screen.findByRole('button', { name: REAL });
    expect(real).toBeDisabled();
    expect(real).toHaveAccessibleDescription(/No sign-in service is set up\. Ask whoever gave you Evergreen for its address\./);
    expect(screen.getByRole('button', { name: DEMO })).toBeEnabled();
    expect(screen.getByTestId('config-problem')).toHaveTextContent(problem);
    expect(backend.calls.some((c) => c.cmd === 'check_sign_in_service')).toBe(false);
  });

  it('shows why a choice could not open, and lets the person choose again', async () => {
    mockBackend({
      app_info: () => firstRun(),
      choose_mode: () =>
        Promise.reject({ code: 'profile_in_use', message: 'Another Evergreen is using the pretend Instagram. Close it first.' }),
    });
    renderApp('/');
    await userEvent.click(await screen.findByRole('button', { name: DEMO }));
    expect(await screen.findByTestId('choose-error')).toHaveTextContent('Another Evergreen is using the pretend Instagram.');
    expect(screen.getByRole('button', { name: DEMO })).toBeEnabled();
    expect(screen.getByRole('button', { name: REAL })).toBeEnabled();
    expect(screen.getByTestId('first-run')).toBeInTheDocument();
  });
});
