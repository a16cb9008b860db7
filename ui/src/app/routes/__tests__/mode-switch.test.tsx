import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { AppInfo } from '@/lib/app-info';
import { mockBackend } from '@/testing/backend';
import { account, appInfo } from '@/testing/fixtures';
import { currentRoute, renderApp } from '@/testing/render-app';

const settings = {
  refreshPolicy: { refreshAfterHours: 48, warnFirstDays: 7, warnLastHours: 24, maxConcurrency: 4, backoffBaseSecs: 60, backoffCapMinutes: 60 },
  launchAtLogin: false,
};
const REAL = 'Use my real Instagram accounts';
const DEMO = 'Try the pretend Instagram';

const card = async () => {
  const heading = await screen.findByRole('heading', { name: 'Real or pretend Instagram' });
  return heading.closest('section') as HTMLElement;
};

describe('Settings → real or pretend Instagram', () => {
  it('in the demo, says the accounts are kept apart and switches to the real ones', async () => {
    let info = appInfo({ mode: 'demo' });
    const backend = mockBackend({
      app_info: () => info,
      get_settings: () => settings,
      choose_mode: () => {
        info = appInfo({ mode: 'real', vault: 'locked' });
        return info;
      },
    });
    renderApp('/settings');
    const section = await card();
    expect(section).toHaveTextContent(
      'You are trying Evergreen with a pretend Instagram. Your pretend accounts stay in the demo; your real ones are kept apart.',
    );
    await userEvent.click(within(section).getByRole('button', { name: REAL }));
    expect(await screen.findByTestId('unlock-vault')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'choose_mode', args: { mode: 'real' } });
    expect(screen.queryByTestId('demo-banner')).not.toBeInTheDocument();
    expect(currentRoute().pathname).toBe('/');
  });

  it('in the demo, cannot switch to real accounts without a sign-in service, and says why', async () => {
    const backend = mockBackend({ app_info: () => appInfo({ mode: 'demo', signIn: null }), get_settings: () => settings });
    renderApp('/settings');
    const button = within(await card()).getByRole('button', { name: REAL });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription(/none is set up yet\. Add its address under Sign-in service on this page first\./);
    await userEvent.click(button);
    expect(backend.calls.some((c) => c.cmd === 'choose_mode')).toBe(false);
  });

  it('with real accounts, says they keep renewing meanwhile, and asks first', async () => {
    const backend = mockBackend({ app_info: () => appInfo(), get_settings: () => settings });
    renderApp('/settings');
    const section = await card();
    expect(within(section).getByRole('note')).toHaveTextContent(
      'While the pretend Instagram is open, Evergreen keeps renewing your real accounts in the background and warns you if one needs you. Come back here to switch back.',
    );
    await userEvent.click(within(section).getByRole('button', { name: DEMO }));
    const dialog = await screen.findByRole('dialog', { name: 'Switch to the pretend Instagram?' });
    expect(dialog).toHaveTextContent('Evergreen keeps renewing them in the background while you try the pretend Instagram');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(backend.calls.some((c) => c.cmd === 'choose_mode')).toBe(false);
  });

  it('switches to the pretend Instagram and forgets everything cached about the real accounts', async () => {
    let info: AppInfo = appInfo();
    let accounts = [account({ id: 'r1', username: 'real.shop' })];
    const backend = mockBackend({
      app_info: () => info,
      get_settings: () => settings,
      list_accounts: () => accounts,
      active_account: () => accounts[0]?.id ?? null,
      choose_mode: () => {
        info = appInfo({ mode: 'demo', vault: 'unlocked' });
        accounts = [account({ id: 'p1', username: 'pretend.shop' })];
        return info;
      },
    });
    renderApp('/settings');
    // The real account is cached by the switcher in the header.
    expect(await screen.findByRole('button', { name: /real\.shop/ })).toBeInTheDocument();
    await userEvent.click(within(await card()).getByRole('button', { name: DEMO }));
    const dialog = await screen.findByRole('dialog', { name: 'Switch to the pretend Instagram?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Switch to the pretend Instagram' }));
    await waitFor(() => expect(currentRoute().pathname).toBe('/settings/integrations'));
    expect(backend.calls).toContainEqual({ cmd: 'choose_mode', args: { mode: 'demo' } });
    const row = await screen.findByTestId('account-row');
    expect(row).toHaveTextContent('@pretend.shop');
    expect(screen.queryByText(/real\.shop/)).not.toBeInTheDocument();
    expect(screen.getByTestId('demo-banner')).toBeInTheDocument();
  });

  it('keeps the person where they are when the switch fails, and says why', async () => {
    mockBackend({
      app_info: () => appInfo(),
      get_settings: () => settings,
      choose_mode: () =>
        Promise.reject({ code: 'profile_in_use', message: 'Another Evergreen is using the pretend Instagram. Close it first.' }),
    });
    renderApp('/settings');
    await userEvent.click(within(await card()).getByRole('button', { name: DEMO }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Switch to the pretend Instagram' }));
    expect(await within(dialog).findByTestId('mode-switch-error')).toHaveTextContent('Another Evergreen is using the pretend Instagram.');
    expect(currentRoute().pathname).toBe('/settings');
  });
});
