import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { AppInfo } from '@/lib/app-info';
import { type Handlers, mockBackend } from '@/testing/backend';
import { appInfo, serviceInfo, signIn } from '@/testing/fixtures';
import { renderApp } from '@/testing/render-app';

const settings = {
  refreshPolicy: { refreshAfterHours: 48, warnFirstDays: 7, warnLastHours: 24, maxConcurrency: 4, backoffBaseSecs: 60, backoffCapMinutes: 60 },
  launchAtLogin: false,
};

function settingsPage(info: Partial<AppInfo> | (() => AppInfo), handlers: Handlers = {}) {
  const backend = mockBackend({
    app_info: typeof info === 'function' ? info : () => appInfo(info),
    get_settings: () => settings,
    ...handlers,
  });
  renderApp('/settings');
  return backend;
}

const section = async () => {
  const heading = await screen.findByRole('heading', { name: 'Sign-in service' });
  return heading.closest('section') as HTMLElement;
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Settings → Sign-in service', () => {
  it.each([
    ['environment', 'Set for this run by EVERGREEN_RELAY_URL'],
    ['user_file', 'Saved in /home/sam/.config/evergreen/config.toml'],
    ['system_file', 'Set for this computer in /etc/evergreen/config.toml'],
    ['build_default', "Evergreen's built-in default"],
  ] as const)('says where a service set by %s comes from', async (source, words) => {
    settingsPage({ signIn: signIn(source) });
    const card = await section();
    expect(within(card).getByTestId('sign-in-service-source')).toHaveTextContent(words);
    expect(within(card).getByText('https://sign-in.evergreen.example/')).toBeInTheDocument();
    expect(await within(card).findByText('Evergreen Sign-in')).toBeInTheDocument();
    const note = within(card).queryByTestId('sign-in-service-environment');
    if (source === 'environment') expect(note).toHaveTextContent('EVERGREEN_RELAY_URL wins over an address saved here');
    else expect(note).not.toBeInTheDocument();
  });

  it('says when no sign-in service is set up, and what to do', async () => {
    const backend = settingsPage({ signIn: null });
    const card = await section();
    expect(card).toHaveTextContent('No sign-in service is set up. Ask whoever gave you Evergreen for its address.');
    expect(within(card).getByRole('heading', { name: 'Set up the sign-in service' })).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === 'check_sign_in_service')).toBe(false);
  });

  it('shows the host and the reason when the service in use does not answer', async () => {
    settingsPage(
      { signIn: signIn('user_file') },
      { check_sign_in_service: () => Promise.reject({ code: 'not_a_sign_in_service', message: 'That address answers, but it is not an Evergreen sign-in service.' }) },
    );
    const card = await section();
    const summary = within(card).getByTestId('service-summary');
    await waitFor(() => expect(summary).toHaveTextContent('That address answers, but it is not an Evergreen sign-in service.'));
    expect(summary).toHaveTextContent('sign-in.evergreen.example');
  });

  it('shows the settings Evergreen ignored as warnings', async () => {
    const problems = [
      '/etc/evergreen/config.toml: `sign_in_service` is not a web address (relative URL without a base). Evergreen ignored it.',
      '/home/sam/.config/evergreen/config.toml: `sign_in_servise` is not a setting Evergreen knows. Evergreen ignored it.',
    ];
    settingsPage({ configProblems: problems });
    const card = await section();
    const shown = within(card).getAllByTestId('config-problem');
    expect(shown.map((p) => p.textContent)).toEqual(problems.map((p) => `Setting ignored${p}`));
    shown.forEach((p) => expect(p).toHaveAttribute('role', 'alert'));
  });

  it('in the demo, says this is the service the real accounts will use', async () => {
    settingsPage({ mode: 'demo' });
    expect(await section()).toHaveTextContent('You are using the pretend Instagram now: this is the one your real accounts will use.');
  });

  it('says that changing it leaves connected accounts alone', async () => {
    settingsPage({});
    expect(await section()).toHaveTextContent(
      "Changing the sign-in service doesn't touch the accounts already connected: Evergreen renews them with Instagram directly.",
    );
  });

  it('checks and saves a new address, then shows what the service said about itself', async () => {
    let info = appInfo({ signIn: signIn('build_default') });
    const saved = deferred<unknown>();
    const found = serviceInfo({
      url: 'https://login.agency.example/',
      host: 'login.agency.example',
      name: 'Agency Sign-in',
      version: '2.0.1',
      instagramAppId: '1234567890',
      permissions: ['instagram_business_basic', 'instagram_business_manage_insights'],
      networks: ['instagram', 'threads'],
      threadsAppId: '555000111',
    });
    const backend = settingsPage(() => info, {
      set_sign_in_service: () => saved.promise,
    });
    const card = await section();
    const field = within(card).getByLabelText('Sign-in service address');
    await userEvent.type(field, '  https://login.agency.example/ ');
    await userEvent.click(within(card).getByRole('button', { name: 'Check and save' }));
    expect(within(card).getByRole('button', { name: 'Check and save' })).toBeDisabled();
    expect(within(card).getByText('Checking the sign-in service…')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'set_sign_in_service', args: { url: 'https://login.agency.example/' } });

    info = appInfo({ signIn: signIn('user_file', { url: found.url, host: found.host }) });
    saved.resolve(found);
    const result = await within(card).findByTestId('sign-in-service-saved');
    expect(result).toHaveTextContent('Saved. New sign-ins go through Agency Sign-in.');
    expect(result).toHaveTextContent('Agency Sign-in (login.agency.example)');
    expect(result).toHaveTextContent('2.0.1');
    expect(result).toHaveTextContent('Instagram app ID1234567890');
    expect(within(result).getByTestId('service-networks')).toHaveTextContent('Instagram and Threads');
    expect(result).toHaveTextContent('Threads app ID555000111');
    expect(within(result).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'instagram_business_basic',
      'instagram_business_manage_insights',
    ]);
    // The app info is asked again, so the service in use and where it is saved follow.
    await waitFor(() =>
      expect(within(card).getByTestId('sign-in-service-source')).toHaveTextContent('Saved in /home/sam/.config/evergreen/config.toml'),
    );
    expect(within(card).getByText('https://login.agency.example/')).toBeInTheDocument();
  });

  it('says a saved address waits while EVERGREEN_RELAY_URL is set', async () => {
    settingsPage({ signIn: signIn('environment') }, { set_sign_in_service: ({ url }) => serviceInfo({ url: String(url) }) });
    const card = await section();
    await userEvent.type(within(card).getByLabelText('Sign-in service address'), 'https://login.agency.example/');
    await userEvent.click(within(card).getByRole('button', { name: 'Check and save' }));
    expect(await within(card).findByTestId('sign-in-service-saved')).toHaveTextContent(
      'Saved. Evergreen will use Evergreen Sign-in when it starts without EVERGREEN_RELAY_URL.',
    );
  });

  it.each([
    ['invalid_settings', '“sign-in agency” is not a web address.'],
    ['relay_untrusted', 'Use an https:// address. Plain http:// works only for a service on this computer.'],
    ['relay_unreachable', "Evergreen couldn't reach login.agency.example. Check the address and your connection."],
    ['not_a_sign_in_service', 'login.agency.example answers, but it is not an Evergreen sign-in service.'],
  ])('shows %s on the address field, and saves nothing', async (code, message) => {
    settingsPage({}, { set_sign_in_service: () => Promise.reject({ code, message }) });
    const card = await section();
    const field = within(card).getByLabelText('Sign-in service address');
    await userEvent.type(field, 'http://login.agency.example');
    await userEvent.click(within(card).getByRole('button', { name: 'Check and save' }));
    expect(await within(card).findByText(message)).toHaveClass('field__error');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(expect.stringContaining(message));
    expect(within(card).queryByTestId('sign-in-service-saved')).not.toBeInTheDocument();
    // Editing the address clears the old complaint.
    await userEvent.type(field, '/');
    expect(field).not.toHaveAttribute('aria-invalid');
  });

  it('shows a failure to write the settings file under the form, not on the address', async () => {
    settingsPage(
      {},
      { set_sign_in_service: () => Promise.reject({ code: 'storage', message: "Evergreen couldn't write /home/sam/.config/evergreen/config.toml." }) },
    );
    const card = await section();
    const field = within(card).getByLabelText('Sign-in service address');
    await userEvent.type(field, 'https://login.agency.example/');
    await userEvent.click(within(card).getByRole('button', { name: 'Check and save' }));
    expect(await within(card).findByText("Evergreen couldn't write /home/sam/.config/evergreen/config.toml.")).toHaveClass('form-error');
    expect(field).not.toHaveAttribute('aria-invalid');
  });

  it('refuses an empty address without asking the backend', async () => {
    const backend = settingsPage({});
    const card = await section();
    await userEvent.type(within(card).getByLabelText('Sign-in service address'), '   ');
    await userEvent.click(within(card).getByRole('button', { name: 'Check and save' }));
    expect(await within(card).findByText("Enter the sign-in service's address.")).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === 'set_sign_in_service')).toBe(false);
  });
});
