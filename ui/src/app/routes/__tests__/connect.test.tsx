import { emit } from '@tauri-apps/api/event';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { mockBackend } from '@/testing/backend';
import { currentRoute, renderApp } from '@/testing/render-app';

const started = { state: 'flow-1', authorizeUrl: 'http://127.0.0.1:9/oauth/authorize?state=flow-1', browserOpened: true };
const account = {
  id: 'a1',
  network: 'instagram',
  networkUserId: '178414',
  username: 'evergreen.shop',
  accountType: 'BUSINESS',
  profilePictureUrl: null,
  status: 'connected',
  statusReason: null,
  statusWords: null,
  tokenExpiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString(),
  tokenRefreshedAt: new Date().toISOString(),
  lastValidatedAt: null,
  nextRefreshAt: null,
  label: null,
};

async function openAndContinue() {
  await userEvent.click(await screen.findByRole('button', { name: 'Connect Instagram' }));
  const dialog = await screen.findByRole('dialog', { name: 'Connect Instagram' });
  expect(dialog).toHaveTextContent('Only Business and Creator accounts can connect.');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Continue in browser' }));
  return dialog;
}

/** Click the dialog's button named `name` from the DOM mutation that draws it: no frame, no
 *  timer and no effect has run in between. Resolves with the dialog. */
function clickAsSoonAsDrawn(name: string): Promise<HTMLElement> {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const dialog = document.querySelector<HTMLElement>('[role=dialog]');
      const button = dialog && within(dialog).queryByRole('button', { name });
      if (!dialog || !button) return;
      observer.disconnect();
      fireEvent.click(button);
      resolve(dialog);
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
}

describe('connecting Instagram', () => {
  it('opens the browser, waits, and lands on the dashboard when the account connects', async () => {
    let notices: unknown[] = [];
    let accounts: unknown[] = [];
    const backend = mockBackend({
      start_connect: () => started,
      link_notices: () => notices,
      list_accounts: () => accounts,
    });
    renderApp('/settings/integrations');
    const dialog = await openAndContinue();
    expect(await within(dialog).findByTestId('connect-waiting')).toHaveTextContent('Waiting for Instagram in your browser');
    expect(within(dialog).getByLabelText('Sign-in page address')).toHaveValue(started.authorizeUrl);
    expect(backend.calls).toContainEqual({ cmd: 'start_connect', args: { purpose: 'connect', accountId: null, network: 'instagram' } });

    accounts = [account];
    notices = [
      { id: 1, kind: 'connected', code: null, message: '@evergreen.shop is connected.', state: 'flow-1', accountId: 'a1', username: 'evergreen.shop' },
    ];
    await emit('accounts://changed');
    await emit('connect://notice');
    await waitFor(() => expect(currentRoute().pathname).toBe('/dashboard'));
    expect(await screen.findByTestId('link-notice')).toHaveTextContent('@evergreen.shop is connected.');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(await screen.findByTestId('dashboard-account')).toHaveAttribute('data-username', 'evergreen.shop');
  });

  it('starts the sign-in when Continue is clicked the moment the dialog appears', async () => {
    // The earliest click there can be: in the same task that drew the dialog, before the
    // frame that runs its effects. The answer must still reach the dialog.
    const backend = mockBackend({ start_connect: () => started });
    const dialog = clickAsSoonAsDrawn('Continue in browser');
    renderApp('/settings/integrations?connect=new');
    const drawn = await dialog;
    expect(await within(drawn).findByTestId('connect-waiting')).toHaveTextContent('Waiting for Instagram in your browser');
    expect(backend.calls.filter((c) => c.cmd === 'start_connect')).toHaveLength(1);
  });

  it('shows why a sign-in failed in the dialog and starts again', async () => {
    let notices: unknown[] = [];
    const backend = mockBackend({ start_connect: () => started, link_notices: () => notices });
    renderApp('/settings/integrations');
    const dialog = await openAndContinue();
    await within(dialog).findByTestId('connect-waiting');
    notices = [
      { id: 2, kind: 'failed', code: 'connect_cancelled', message: 'You cancelled the Instagram login.', state: 'flow-1', accountId: null, username: null },
    ];
    await emit('connect://notice');
    expect(await within(dialog).findByTestId('connect-error')).toHaveTextContent('You cancelled the Instagram login.');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Start again' }));
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === 'start_connect')).toHaveLength(2));
    expect(backend.calls).toContainEqual({ cmd: 'dismiss_link_notice', args: { id: 2 } });
  });

  it('connects when a good link follows a failed one for the same sign-in', async () => {
    let notices: unknown[] = [];
    let accounts: unknown[] = [];
    mockBackend({ start_connect: () => started, link_notices: () => notices, list_accounts: () => accounts });
    renderApp('/settings/integrations');
    const dialog = await openAndContinue();
    await within(dialog).findByTestId('connect-waiting');
    const failed = { id: 2, kind: 'failed', code: 'connect_cancelled', message: 'You cancelled the Instagram login.', state: 'flow-1', accountId: null, username: null };
    notices = [failed];
    await emit('connect://notice');
    await within(dialog).findByTestId('connect-error');
    accounts = [account];
    notices = [
      failed,
      { id: 3, kind: 'connected', code: null, message: '@evergreen.shop is connected.', state: 'flow-1', accountId: 'a1', username: 'evergreen.shop' },
    ];
    await emit('accounts://changed');
    await emit('connect://notice');
    await waitFor(() => expect(currentRoute().pathname).toBe('/dashboard'));
  });

  it('says so when the sign-in service is unreachable', async () => {
    mockBackend({
      start_connect: () =>
        Promise.reject({ code: 'relay_unreachable', message: "Evergreen couldn't reach its sign-in service." }),
    });
    renderApp('/settings/integrations');
    const dialog = await openAndContinue();
    expect(await within(dialog).findByTestId('connect-error')).toHaveTextContent("couldn't reach its sign-in service");
    expect(within(dialog).getByRole('button', { name: 'Start again' })).toBeInTheDocument();
  });

  it('checks a pasted link before sending it, and cancels the flow on Cancel', async () => {
    const backend = mockBackend({ start_connect: () => started, submit_link: () => null });
    renderApp('/settings/integrations');
    const dialog = await openAndContinue();
    await within(dialog).findByTestId('connect-waiting');
    const field = within(dialog).getByLabelText(/Paste it here/);
    await userEvent.type(field, 'https://example.com/not-ours');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Use this link' }));
    expect(await within(dialog).findByText('Evergreen links start with app.evergreen:')).toBeInTheDocument();
    await userEvent.clear(field);
    await userEvent.type(field, 'app.evergreen:/oauth/instagram?handoff=h&state=flow-1');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Use this link' }));
    await waitFor(() =>
      expect(backend.calls).toContainEqual({ cmd: 'submit_link', args: { link: 'app.evergreen:/oauth/instagram?handoff=h&state=flow-1' } }),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'cancel_connect', args: { flow: 'flow-1' } }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows why a pasted link was refused in the field', async () => {
    mockBackend({
      start_connect: () => started,
      submit_link: () =>
        Promise.reject({
          code: 'link_not_ours',
          message: 'This link is not one Evergreen started. If you were connecting an account, start again from Evergreen.',
        }),
    });
    renderApp('/settings/integrations');
    const dialog = await openAndContinue();
    await within(dialog).findByTestId('connect-waiting');
    await userEvent.type(within(dialog).getByLabelText(/Paste it here/), 'app.evergreen:/oauth/instagram?handoff=h&state=other');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Use this link' }));
    expect(await within(dialog).findByText(/This link is not one Evergreen started/)).toBeInTheDocument();
    expect(within(dialog).getByTestId('connect-waiting')).toBeInTheDocument();
  });

  it('offers Reconnect on a connected account and another account', async () => {
    const backend = mockBackend({ list_accounts: () => [account], start_connect: () => started });
    renderApp('/settings/integrations');
    const row = await screen.findByTestId('account-row');
    expect(row).toHaveTextContent('@evergreen.shop');
    expect(row).toHaveTextContent('expires in 60 days');
    await userEvent.click(within(row).getByRole('button', { name: 'Reconnect' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reconnect @evergreen.shop' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue in browser' }));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'start_connect', args: { purpose: 'reconnect', accountId: 'a1', network: 'instagram' } }));
  });
});

describe('refresh now', () => {
  it('renews one account and says so', async () => {
    const backend = mockBackend({
      list_accounts: () => [account],
      refresh_account: () => ({ refreshed: 1, checked: 0, retrying: 0, needAttention: 0 }),
    });
    renderApp('/settings/integrations');
    const row = await screen.findByTestId('account-row');
    await userEvent.click(within(row).getByRole('button', { name: 'Refresh now' }));
    expect(await within(row).findByTestId('refresh-result')).toHaveTextContent('Renewed just now.');
    expect(backend.calls).toContainEqual({ cmd: 'refresh_account', args: { id: 'a1' } });
  });

  it('explains a check of a token too young to renew', async () => {
    mockBackend({
      list_accounts: () => [account],
      refresh_account: () => ({ refreshed: 0, checked: 1, retrying: 0, needAttention: 0 }),
    });
    renderApp('/settings/integrations');
    const row = await screen.findByTestId('account-row');
    await userEvent.click(within(row).getByRole('button', { name: 'Refresh now' }));
    expect(await within(row).findByTestId('refresh-result')).toHaveTextContent('renewed recently');
  });
});
