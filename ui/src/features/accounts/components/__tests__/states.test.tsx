import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { Account } from '@/lib/accounts';
import { mockBackend } from '@/testing/backend';
import { account } from '@/testing/fixtures';
import { renderApp } from '@/testing/render-app';

const DAY = 86_400_000;

async function row(a: Account) {
  mockBackend({ list_accounts: () => [a] });
  renderApp('/settings/integrations');
  return screen.findByTestId('account-row');
}

describe('the Instagram card, state by state', () => {
  it('connected: renews automatically, refresh is secondary', async () => {
    const r = await row(account());
    expect(r).toHaveTextContent('Connected');
    expect(r).toHaveTextContent(/Renews automatically, well before \d+ \w+/);
    expect(r).toHaveTextContent('expires in 52 days');
    expect(r).toHaveTextContent('refreshed 8 days ago');
    const buttons = within(r).getAllByRole('button').map((b) => b.textContent);
    expect(buttons).toEqual(['Refresh now', 'Reconnect', 'Disconnect', 'Add label']);
  });

  it('refreshing: says so and holds the actions', async () => {
    const r = await row(account({ status: 'refreshing' }));
    expect(r).toHaveTextContent('Refreshing…');
    expect(within(r).getByRole('button', { name: 'Refresh now' })).toBeDisabled();
    expect(within(r).getByRole('button', { name: 'Disconnect' })).toBeDisabled();
  });

  it('expiring: the days left and Reconnect first', async () => {
    const r = await row(account({ status: 'expiring', tokenExpiresAt: new Date(Date.now() + 5 * DAY + 60_000).toISOString() }));
    expect(r).toHaveTextContent('Expires in 5 days');
    expect(r).toHaveTextContent('Automatic renewal keeps failing; Evergreen keeps trying. Reconnect to be safe.');
    expect(within(r).getAllByRole('button')[0]).toHaveTextContent('Reconnect');
  });

  it('needs reconnect: the reason, reassurance, and Reconnect Instagram first', async () => {
    const r = await row(account({ status: 'needs_reconnect', statusReason: 'password_changed', statusWords: 'Instagram ended the connection after a password change or a security check' }));
    expect(r).toHaveTextContent('Reconnect needed');
    expect(r).toHaveTextContent('Instagram ended the connection after a password change or a security check. Your Instagram account is fine.');
    const first = within(r).getAllByRole('button')[0];
    expect(first).toHaveTextContent('Reconnect Instagram');
    expect(first).toHaveClass('button--primary');
    expect(within(r).queryByRole('button', { name: 'Refresh now' })).not.toBeInTheDocument();
  });

  it('needs reconnect after the app was closed too long says so', async () => {
    const r = await row(account({ status: 'needs_reconnect', statusReason: 'expired_while_closed', statusWords: 'the access expired while Evergreen was closed' }));
    expect(r).toHaveTextContent('The access expired while Evergreen was closed.');
  });

  it('needs Instagram login: open Instagram, then check again', async () => {
    let opened = false;
    const backend = mockBackend({
      list_accounts: () => [account({ status: 'needs_instagram_login', statusReason: 'checkpoint', statusWords: 'Instagram wants a login on instagram.com first' })],
      open_network: () => {
        opened = true;
        return null;
      },
      refresh_account: () => ({ refreshed: 0, checked: 1, retrying: 0, needAttention: 0 }),
    });
    renderApp('/settings/integrations');
    const r = await screen.findByTestId('account-row');
    expect(r).toHaveTextContent('Log in on Instagram');
    expect(r).toHaveTextContent('confirm a login on instagram.com');
    await userEvent.click(within(r).getByRole('button', { name: 'Open Instagram' }));
    await waitFor(() => expect(opened).toBe(true));
    expect(backend.calls).toContainEqual({ cmd: 'open_network', args: { network: 'instagram' } });
    await userEvent.click(within(r).getByRole('button', { name: 'Check again' }));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'refresh_account', args: { id: 'a1' } }));
  });

  it('needs Threads login: the words and the site are Threads\' own', async () => {
    const backend = mockBackend({
      list_accounts: () => [
        account({ network: 'threads', accountType: '', status: 'needs_instagram_login', statusReason: 'checkpoint', statusWords: 'Threads wants a login on threads.com first' }),
      ],
      open_network: () => null,
    });
    renderApp('/settings/integrations');
    const r = await screen.findByTestId('account-row');
    expect(r).toHaveTextContent('Log in on Threads');
    expect(r).toHaveTextContent('confirm a login on threads.com or in the Threads app');
    expect(r).toHaveTextContent('Threads profile');
    expect(r).not.toHaveTextContent('Instagram');
    await userEvent.click(within(r).getByRole('button', { name: 'Open Threads' }));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'open_network', args: { network: 'threads' } }));
  });

  it('not connected: one button', async () => {
    mockBackend();
    renderApp('/settings/integrations');
    const card = await screen.findByTestId('instagram-card');
    expect(card).toHaveTextContent('Not connected');
    expect(within(card).getAllByRole('button').map((b) => b.textContent)).toEqual(['Connect Instagram']);
  });

  it('puts accounts that need attention first and counts them', async () => {
    mockBackend({
      list_accounts: () => [
        account({ id: 'a1', username: 'aaa' }),
        account({ id: 'a2', username: 'zzz', status: 'needs_reconnect', statusReason: 'logged_out', statusWords: 'Instagram ended the session' }),
      ],
    });
    renderApp('/settings/integrations');
    const card = await screen.findByTestId('instagram-card');
    await waitFor(() => expect(within(card).getAllByTestId('account-row')[0]).toHaveAttribute('data-username', 'zzz'));
    expect(card).toHaveTextContent('1 needs attention');
  });
});

describe('disconnect', () => {
  it('confirms, says where to remove the app on Instagram, and disconnects', async () => {
    const backend = mockBackend({ list_accounts: () => [account()], disconnect_account: () => null });
    renderApp('/settings/integrations');
    const r = await screen.findByTestId('account-row');
    await userEvent.click(within(r).getByRole('button', { name: 'Disconnect' }));
    const dialog = await screen.findByRole('dialog', { name: 'Disconnect @evergreen.shop?' });
    expect(dialog).toHaveTextContent('Your Instagram account and its posts are not affected.');
    expect(dialog).toHaveTextContent('Settings and activity → Website permissions → Apps and websites');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'disconnect_account', args: { id: 'a1' } }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('cancel keeps the account', async () => {
    const backend = mockBackend({ list_accounts: () => [account()] });
    renderApp('/settings/integrations');
    await userEvent.click(within(await screen.findByTestId('account-row')).getByRole('button', { name: 'Disconnect' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    expect(backend.calls.some((c) => c.cmd === 'disconnect_account')).toBe(false);
  });
});

describe('the account switcher', () => {
  it('shows the active account, a badge for others needing attention, and switches', async () => {
    const backend = mockBackend({
      list_accounts: () => [
        account({ id: 'a1', username: 'brand' }),
        account({ id: 'a2', username: 'shop', status: 'needs_reconnect', statusReason: 'logged_out', statusWords: 'Instagram ended the session' }),
      ],
      active_account: () => 'a1',
      set_active_account: () => null,
    });
    renderApp('/dashboard');
    const switcher = await screen.findByTestId('switcher');
    await waitFor(() => expect(switcher).toHaveTextContent('@brand'));
    expect(screen.getByTestId('switcher-badge')).toHaveTextContent('1 need attention');
    await userEvent.click(switcher);
    const list = screen.getByRole('listbox', { name: 'Accounts' });
    const items = within(list).getAllByRole('option');
    expect(items.map((i) => i.getAttribute('aria-current'))).toEqual(['true', null]);
    expect(items[1]).toHaveTextContent('Reconnect needed');
    const shop = items[1];
    if (!shop) throw new Error('two accounts listed');
    await userEvent.click(shop);
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'set_active_account', args: { id: 'a2' } }));
  });

  it('works from the keyboard and closes with Escape', async () => {
    mockBackend({ list_accounts: () => [account({ id: 'a1', username: 'brand' }), account({ id: 'a2', username: 'shop' })] });
    renderApp('/dashboard');
    const switcher = await screen.findByTestId('switcher');
    switcher.focus();
    await userEvent.keyboard('{Enter}');
    const search = screen.getByRole('combobox', { name: 'Find an account' });
    expect(search).toHaveFocus();
    const items = within(screen.getByRole('listbox')).getAllByRole('option');
    expect(items[0]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{ArrowDown}');
    expect(items[1]).toHaveAttribute('aria-selected', 'true');
    expect(search).toHaveAttribute('aria-activedescendant', items[1]?.id);
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(switcher).toHaveFocus();
  });

  it('opens with Ctrl+K from anywhere, finds an account by typing and switches with Enter', async () => {
    const many = Array.from({ length: 500 }, (_, i) => account({ id: `a${i}`, username: `client.${i}` }));
    many[321] = account({ id: 'pepper', username: 'pepper.salon' });
    const backend = mockBackend({ list_accounts: () => many, active_account: () => 'a0', set_active_account: () => null });
    renderApp('/dashboard');
    await screen.findByTestId('switcher');
    await userEvent.keyboard('{Control>}k{/Control}');
    const search = screen.getByRole('combobox', { name: 'Find an account' });
    expect(search).toHaveFocus();
    // Bounded: never hundreds of rows at once.
    expect(within(screen.getByRole('listbox')).getAllByRole('option').length).toBeLessThanOrEqual(50);
    expect(screen.getByTestId('switcher-more')).toHaveTextContent('450 more: type to narrow the list.');
    await userEvent.type(search, '@pepper');
    const items = within(screen.getByRole('listbox')).getAllByRole('option');
    expect(items.map((i) => i.dataset.username)).toEqual(['pepper.salon']);
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: 'set_active_account', args: { id: 'pepper' } }));
  });

  it("shows each account's label and finds accounts by it", async () => {
    mockBackend({
      list_accounts: () => [
        account({ id: 'a1', username: 'brand' }),
        account({ id: 'a2', username: 'cafe.one', label: 'Harbour Cafe' }),
        account({ id: 'a3', username: 'cafe.two', label: 'Harbour Cafe' }),
      ],
      active_account: () => 'a1',
    });
    renderApp('/dashboard');
    await userEvent.click(await screen.findByTestId('switcher'));
    const labelled = within(screen.getByRole('listbox'))
      .getAllByRole('option')
      .filter((item) => item.textContent?.includes('Harbour Cafe'))
      .map((item) => item.dataset.username);
    expect(labelled).toEqual(['cafe.one', 'cafe.two']);
    await userEvent.type(screen.getByRole('combobox', { name: 'Find an account' }), 'harbour');
    const found = within(screen.getByRole('listbox'))
      .getAllByRole('option')
      .map((item) => item.dataset.username);
    expect(found).toEqual(['cafe.one', 'cafe.two']);
  });

  it('puts the accounts switched to recently first', async () => {
    const list = ['one', 'two', 'three', 'four'].map((u) => account({ id: u, username: u }));
    mockBackend({ list_accounts: () => list, active_account: () => 'one', set_active_account: () => null });
    localStorage.setItem('evergreen.recent-accounts', JSON.stringify(['four', 'three']));
    renderApp('/dashboard');
    await userEvent.click(await screen.findByTestId('switcher'));
    const names = within(screen.getByRole('listbox'))
      .getAllByRole('option')
      .map((i) => i.dataset.username);
    expect(names).toEqual(['one', 'four', 'three', 'two']);
    localStorage.removeItem('evergreen.recent-accounts');
  });
});
