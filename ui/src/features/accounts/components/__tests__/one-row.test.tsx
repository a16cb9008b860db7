import { emit } from '@tauri-apps/api/event';
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import type { Account } from '@/lib/accounts';
import { mockBackend } from '@/testing/backend';
import { account } from '@/testing/fixtures';
import { renderApp } from '@/testing/render-app';

import { statusView } from '../../status';

// The real `statusView`, watched: every row calls it once each time it is drawn.
vi.mock('../../status', { spy: true });

/** How many times each account's row was drawn since the last `clear`. */
function drawsById(): Map<string, number> {
  const draws = new Map<string, number>();
  for (const [shown] of vi.mocked(statusView).mock.calls) draws.set(shown.id, (draws.get(shown.id) ?? 0) + 1);
  return draws;
}

describe('a change to one account among many', () => {
  it('redraws that row, not the list', async () => {
    let list: Account[] = Array.from({ length: 30 }, (_, i) => account({ id: `a${i}`, username: `client.${i}` }));
    mockBackend({ list_accounts: () => list, active_account: () => 'a0' });
    renderApp('/settings/integrations');
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(20));
    vi.mocked(statusView).mockClear();

    list = list.map((a) => (a.id === 'a7' ? { ...a, username: 'client.seven' } : a));
    await emit('accounts://updated', { id: 'a7' });
    await waitFor(() => expect(screen.getAllByTestId('account-row').map((r) => r.dataset.username)).toContain('client.seven'));

    const draws = drawsById();
    expect(draws.get('a7')).toBeGreaterThan(0);
    // The switcher in the header draws the active account; no row but the changed one redraws.
    const others = [...draws.keys()].filter((id) => id !== 'a7' && id !== 'a0');
    expect(others).toEqual([]);
  });
});
