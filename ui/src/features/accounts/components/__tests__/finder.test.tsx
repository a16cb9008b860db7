import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { Account } from '@/lib/accounts';
import { mockBackend } from '@/testing/backend';
import { account } from '@/testing/fixtures';
import { COALESCE_MS } from '@/app/provider';
import { renderApp } from '@/testing/render-app';

import { countByState, filterAccounts } from '../../filter';
import { PAGE } from '../paged-list';

/** An agency's 500: 452 connected, 25 expiring, 14 needing a reconnect, 9 an Instagram login. */
function agency(): Account[] {
  const states: [Account['status'], number][] = [
    ['connected', 452],
    ['expiring', 25],
    ['needs_reconnect', 14],
    ['needs_instagram_login', 9],
  ];
  const list: Account[] = [];
  for (const [status, n] of states) {
    for (let i = 0; i < n; i += 1) list.push(account({ id: `${status}-${i}`, username: `${status.replace(/_/g, '.')}.${i}`, status }));
  }
  list[200] = account({ id: 'pepper', username: 'pepper.salon' });
  return list;
}

const handles = () => screen.getAllByTestId('account-row').map((r) => r.dataset.username);

describe('finding an account among many', () => {
  it('filters pure: by handle (with or without @, any case) and state, attention first', () => {
    const list = agency();
    expect(filterAccounts(list, '@Pepper', 'all').map((a) => a.username)).toEqual(['pepper.salon']);
    expect(filterAccounts(list, '', 'needs_you')).toHaveLength(23);
    expect(filterAccounts(list, '', 'all')[0]?.status).not.toBe('connected');
    expect(countByState(list)).toEqual({ all: 500, needs_you: 23, expiring: 25, connected: 452 });
  });

  it('on Integrations: typing a handle leaves that account, Escape clears', async () => {
    mockBackend({ list_accounts: agency });
    renderApp('/settings/integrations');
    const search = await screen.findByRole('searchbox', { name: 'Find an account' });
    // A page at a time: never 500 rows drawn at once.
    expect(screen.getAllByTestId('account-row')).toHaveLength(PAGE);
    expect(screen.getByTestId('account-count')).toHaveTextContent('500 accounts');
    await userEvent.type(search, 'pepper');
    await waitFor(() => expect(handles()).toEqual(['pepper.salon']));
    expect(screen.getByTestId('account-count')).toHaveTextContent('Showing 1 of 500');
    await userEvent.type(search, 'x');
    await waitFor(() => expect(screen.getByTestId('account-count')).toHaveTextContent('No account matches “pepperx”.'));
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(PAGE));
  });

  it('draws the next page on request, and a new search starts from the first', async () => {
    mockBackend({ list_accounts: agency });
    renderApp('/settings/integrations');
    await screen.findByTestId('account-search');
    await userEvent.click(screen.getByRole('button', { name: `Show ${PAGE} more (${500 - PAGE} not shown)` }));
    expect(screen.getAllByTestId('account-row')).toHaveLength(2 * PAGE);
    await userEvent.type(screen.getByRole('searchbox', { name: 'Find an account' }), 'connected');
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(PAGE));
  });

  it('filters by state with counts, and opens filtered from the address', async () => {
    mockBackend({ list_accounts: agency });
    renderApp('/settings/integrations?state=needs_you');
    await screen.findByTestId('account-search');
    const group = screen.getByRole('radiogroup', { name: 'Show' });
    expect(within(group).getByRole('radio', { name: 'Needs you 23' })).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByTestId('account-count')).toHaveTextContent('Showing 23 of 500');
    expect(screen.getAllByTestId('account-row')).toHaveLength(Math.min(23, PAGE));
    await userEvent.click(within(group).getByRole('radio', { name: 'Expiring 25' }));
    await waitFor(() => expect(screen.getByTestId('account-count')).toHaveTextContent('Showing 25 of 500'));
    expect(screen.getAllByTestId('account-row')).toHaveLength(Math.min(25, PAGE));
    expect(new Set(screen.getAllByTestId('account-row').map((r) => r.dataset.status))).toEqual(new Set(['expiring']));
  });

  it('a few accounts need no search', async () => {
    mockBackend({ list_accounts: () => [account({ id: 'a', username: 'a' }), account({ id: 'b', username: 'b' })] });
    renderApp('/settings/integrations');
    await screen.findAllByTestId('account-row');
    expect(screen.queryByTestId('account-search')).not.toBeInTheDocument();
  });
});

describe('labels', () => {
  it('are added on the card, shown, and filtered and searched by', async () => {
    let list = agency();
    list[3] = account({ id: 'c1', username: 'cafe.one', label: 'Harbour Cafe' });
    list[4] = account({ id: 'c2', username: 'cafe.two', label: 'Harbour Cafe' });
    const backend = mockBackend({
      list_accounts: () => list,
      set_account_label: ({ id, label }) => {
        list = list.map((a) => (a.id === id ? { ...a, label: String(label).trim() || null } : a));
        return null;
      },
    });
    renderApp('/settings/integrations');
    await screen.findByTestId('account-search');
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Client' }), 'Harbour Cafe');
    await waitFor(() => expect(handles()).toEqual(['cafe.one', 'cafe.two']));
    expect(screen.getAllByTestId('account-label').map((l) => l.textContent)).toEqual(['Harbour Cafe', 'Harbour Cafe']);

    // Label another one, then find it by its label.
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Client' }), '');
    await userEvent.type(screen.getByRole('searchbox', { name: 'Find an account' }), 'pepper');
    await waitFor(() => expect(handles()).toEqual(['pepper.salon']));
    await userEvent.click(screen.getByRole('button', { name: 'Add a label to @pepper.salon' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Label for @pepper.salon' }), 'Pepper Group{Enter}');
    await waitFor(() =>
      expect(backend.calls).toContainEqual({ cmd: 'set_account_label', args: { id: 'pepper', label: 'Pepper Group' } }),
    );
    await userEvent.clear(screen.getByRole('searchbox', { name: 'Find an account' }));
    await userEvent.type(screen.getByRole('searchbox', { name: 'Find an account' }), 'pepper gr');
    await waitFor(() => expect(handles()).toEqual(['pepper.salon']));
    expect(screen.getByTestId('account-label')).toHaveTextContent('Pepper Group');
  });

  it('a refused label is said on the field and nothing changes', async () => {
    mockBackend({
      list_accounts: () => [account({ id: 'a', username: 'brand' })],
      set_account_label: () => Promise.reject({ code: 'invalid_label', message: 'A label can be at most 40 characters.' }),
    });
    renderApp('/settings/integrations');
    await userEvent.click(await screen.findByRole('button', { name: 'Add a label to @brand' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Label for @brand' }), 'x'.repeat(45) + '{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('A label can be at most 40 characters.');
    expect(screen.queryByTestId('account-label')).not.toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('textbox', { name: 'Label for @brand' })).not.toBeInTheDocument();
  });
});

describe('following a check of many accounts', () => {
  it('shows a change that came while the list was being fetched', async () => {
    let version = 0;
    let slow = false;
    mockBackend({
      list_accounts: async () => {
        const answer = [account({ id: 'a', username: `brand.v${version}` })];
        if (slow) await new Promise((resolve) => setTimeout(resolve, 150));
        return answer;
      },
    });
    renderApp('/settings/integrations');
    const row = () => screen.getByTestId('account-row').dataset.username;
    await waitFor(() => expect(row()).toBe('brand.v0'));
    slow = true;
    version = 1;
    await emit('accounts://updated', { id: 'a' });
    // The refetch for v1 is under way (slow); v2 comes meanwhile.
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS + 50));
    version = 2;
    await emit('accounts://updated', { id: 'a' });
    await waitFor(() => expect(row()).toBe('brand.v2'), { timeout: 3000 });
  });
});

describe('the switcher with two networks', () => {
  it('names each account\'s network once there are two, and finds a network by its name', async () => {
    mockBackend({
      list_accounts: () => [
        account({ id: 'ig', username: 'brand' }),
        account({ id: 'th', username: 'brand', network: 'threads', accountType: '' }),
        account({ id: 'shop', username: 'shop' }),
      ],
      active_account: () => 'th',
    });
    renderApp('/settings/integrations');
    const button = await screen.findByTestId('switcher');
    // The first account stands in until the active one is read.
    await waitFor(() => expect(button).toHaveAccessibleName(/^Active account @brand on Threads\./));
    await userEvent.click(button);
    const items = await screen.findAllByTestId('switcher-item');
    expect(items.map((i) => within(i).getByTestId('network-tag').textContent)).toEqual(['Threads', 'Instagram', 'Instagram']);
    await userEvent.type(screen.getByTestId('switcher-search'), 'threads');
    await waitFor(() => expect(screen.getAllByTestId('switcher-item')).toHaveLength(1));
    await userEvent.clear(screen.getByTestId('switcher-search'));
    await userEvent.type(screen.getByTestId('switcher-search'), 'in');
    await waitFor(() => expect(screen.queryAllByTestId('switcher-item')).toHaveLength(0));
  });

  it('names no network when every account is on one', async () => {
    mockBackend({ list_accounts: () => [account({ id: 'ig', username: 'brand' })], active_account: () => 'ig' });
    renderApp('/settings/integrations');
    await userEvent.click(await screen.findByTestId('switcher'));
    await screen.findAllByTestId('switcher-item');
    expect(screen.queryByTestId('network-tag')).not.toBeInTheDocument();
  });
});

describe('the switcher shortcut', () => {
  it('does nothing over an open dialog', async () => {
    mockBackend({
      list_accounts: () => [account({ id: 'a1', username: 'brand' }), account({ id: 'a2', username: 'shop' })],
      active_account: () => 'a1',
    });
    renderApp('/settings/integrations');
    await screen.findByTestId('switcher');
    const [disconnect] = screen.getAllByRole('button', { name: 'Disconnect' });
    if (!disconnect) throw new Error('a Disconnect button');
    await userEvent.click(disconnect);
    const dialog = await screen.findByRole('dialog');
    await userEvent.keyboard('{Control>}k{/Control}');
    expect(screen.queryByRole('listbox', { name: 'Accounts' })).not.toBeInTheDocument();
    expect(dialog).toBeInTheDocument();
  });
});
