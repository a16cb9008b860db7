import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { mockBackend } from '@/testing/backend';
import { renderApp } from '@/testing/render-app';

const policy = {
  refreshAfterHours: 48,
  warnFirstDays: 7,
  warnLastHours: 24,
  maxConcurrency: 4,
  backoffBaseSecs: 60,
  backoffCapMinutes: 60,
};

async function form() {
  const page = await screen.findByTestId('policy-form');
  const field = (label: RegExp) => within(page).getByLabelText(label);
  const set = async (label: RegExp, value: string) => {
    await userEvent.clear(field(label));
    if (value) await userEvent.type(field(label), value);
  };
  const save = () => userEvent.click(within(page).getByRole('button', { name: 'Save' }));
  return { page, field, set, save };
}

describe('/settings', () => {
  it.each([
    [/Renew a token/, '12', 'Renew after: at least 24 hours.'],
    [/Renew a token/, '1000', 'Renew after: at most 720 hours.'],
    [/Renew a token/, 'soon', 'Renew after: enter a number.'],
    [/First warning/, '0', 'First warning: at least 1 days.'],
    [/Last warning/, '200', 'Last warning: must come after the first warning (fewer hours before expiry).'],
    [/Accounts renewed at once/, '64', 'Accounts at once: at most 32 accounts.'],
    [/First retry/, '0', 'First retry: at least 1 seconds.'],
    [/Longest wait/, '0', 'Longest wait between retries: at least 1 minutes.'],
  ])('refuses %s = %s inline, without saving', async (label, value, message) => {
    const backend = mockBackend({ get_settings: () => ({ refreshPolicy: policy, launchAtLogin: false }) });
    renderApp('/settings');
    const f = await form();
    await f.set(label, value);
    await f.save();
    expect(await within(f.page).findByText(message)).toBeInTheDocument();
    expect(f.field(label)).toHaveAttribute('aria-invalid', 'true');
    expect(backend.calls.some((c) => c.cmd === 'set_refresh_policy')).toBe(false);
  });

  it('refuses a retry cap below the first retry', async () => {
    mockBackend({ get_settings: () => ({ refreshPolicy: policy, launchAtLogin: false }) });
    renderApp('/settings');
    const f = await form();
    await f.set(/First retry/, '600');
    await f.set(/Longest wait/, '5');
    await f.save();
    expect(await within(f.page).findByText('Longest wait between retries: at least the first retry.')).toBeInTheDocument();
  });

  it('saves a valid policy', async () => {
    const backend = mockBackend({
      get_settings: () => ({ refreshPolicy: policy, launchAtLogin: false }),
      set_refresh_policy: () => null,
    });
    renderApp('/settings');
    const f = await form();
    await f.set(/Renew a token/, '36');
    await f.save();
    expect(await within(f.page).findByText('Saved. Next renewals follow the new settings.')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'set_refresh_policy', args: { policy: { ...policy, refreshAfterHours: 36 } } });
  });

  it('shows the backend refusing a policy', async () => {
    mockBackend({
      get_settings: () => ({ refreshPolicy: policy, launchAtLogin: false }),
      set_refresh_policy: () => Promise.reject({ code: 'invalid_settings', message: 'warn_last_secs: shorter than the first warning' }),
    });
    renderApp('/settings');
    const f = await form();
    await f.save();
    await waitFor(() => expect(within(f.page).getByRole('alert')).toHaveTextContent('shorter than the first warning'));
  });
});

describe('/activity', () => {
  it('lists what happened, newest first, in plain words', async () => {
    mockBackend({
      recent_events: () => [
        { id: 2, at: '2026-03-03T12:00:00Z', kind: 'refreshed', detail: 'Refreshed @brand — next refresh 5 Mar', accountId: 'a1' },
        { id: 1, at: '2026-03-01T12:00:00Z', kind: 'connected', detail: 'Connected @brand; access valid until 30 Apr 2026', accountId: 'a1' },
      ],
    });
    renderApp('/activity');
    const rows = await screen.findAllByTestId('activity-row');
    expect(rows[0]).toHaveTextContent('Renewed');
    expect(rows[0]).toHaveTextContent('Refreshed @brand — next refresh 5 Mar');
    expect(rows[1]).toHaveTextContent('Connected @brand');
  });
});

describe('launch at login', () => {
  it('is off by default and turns on', async () => {
    const backend = mockBackend({
      get_settings: () => ({ refreshPolicy: policy, launchAtLogin: false }),
      set_launch_at_login: () => null,
    });
    renderApp('/settings');
    const toggle = await screen.findByRole('checkbox', { name: 'Start Evergreen when I log in' });
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).not.toBeChecked();
    await userEvent.click(toggle);
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'set_launch_at_login', args: { on: true } }));
  });

  it('says when the login entry cannot be written', async () => {
    mockBackend({
      get_settings: () => ({ refreshPolicy: policy, launchAtLogin: false }),
      set_launch_at_login: () => Promise.reject({ code: 'autostart_failed', message: "Evergreen couldn't change your login items." }),
    });
    renderApp('/settings');
    const toggle = await screen.findByRole('checkbox', { name: 'Start Evergreen when I log in' });
    await waitFor(() => expect(toggle).toBeEnabled());
    await userEvent.click(toggle);
    expect(await screen.findByText("Evergreen couldn't change your login items.")).toBeInTheDocument();
  });
});

describe('automatic unlock', () => {
  const settings = () => ({ refreshPolicy: policy, launchAtLogin: false });
  const toggleName = 'Unlock Evergreen automatically when I log in to this computer';

  it('asks for the passphrase to turn on, and says a wrong one on the field', async () => {
    let enabled = false;
    const backend = mockBackend({
      get_settings: settings,
      auto_unlock: () => ({ enabled, fallback: null }),
      set_auto_unlock: ({ passphrase }) => {
        if (passphrase !== 'copper lantern meadow violin')
          return Promise.reject({ code: 'wrong_passphrase', message: "That passphrase doesn't open this vault." });
        enabled = true;
        return null;
      },
    });
    renderApp('/settings');
    const card = await screen.findByTestId('auto-unlock');
    expect(card).toHaveTextContent('any program running as you can read that key');
    const toggle = within(card).getByRole('checkbox', { name: toggleName });
    await waitFor(() => expect(toggle).toBeEnabled());
    await userEvent.click(toggle);
    expect(backend.calls.some((c) => c.cmd === 'set_auto_unlock')).toBe(false);
    await userEvent.type(within(card).getByLabelText('Passphrase'), 'not it at all');
    await userEvent.click(within(card).getByRole('button', { name: 'Turn on' }));
    expect(await within(card).findByText("That passphrase doesn't open this vault.")).toBeInTheDocument();
    await userEvent.clear(within(card).getByLabelText('Passphrase'));
    await userEvent.type(within(card).getByLabelText('Passphrase'), 'copper lantern meadow violin');
    await userEvent.click(within(card).getByRole('button', { name: 'Turn on' }));
    await waitFor(() => expect(within(card).queryByLabelText('Passphrase')).not.toBeInTheDocument());
    expect(toggle).toBeChecked();
    expect(backend.calls).toContainEqual({
      cmd: 'set_auto_unlock',
      args: { on: true, passphrase: 'copper lantern meadow violin' },
    });
  });

  it('turns off without the passphrase, and says when the keyring keeps its key', async () => {
    const backend = mockBackend({
      get_settings: settings,
      auto_unlock: () => ({ enabled: true, fallback: null }),
      set_auto_unlock: () =>
        Promise.reject({ code: 'login_keyring', message: "Automatic unlock is off, but Evergreen couldn't remove its key." }),
    });
    renderApp('/settings');
    const toggle = await screen.findByRole('checkbox', { name: toggleName });
    await waitFor(() => expect(toggle).toBeChecked());
    await userEvent.click(toggle);
    expect(await screen.findByTestId('auto-unlock-error')).toHaveTextContent("couldn't remove its key");
    expect(backend.calls).toContainEqual({ cmd: 'set_auto_unlock', args: { on: false } });
  });
});
