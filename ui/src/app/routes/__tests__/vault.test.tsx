import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { defaultAppInfo, mockBackend } from '@/testing/backend';
import { account } from '@/testing/fixtures';
import { COALESCE_MS } from '@/app/provider';
import { renderApp } from '@/testing/render-app';

const info = (vault: 'missing' | 'locked' | 'unlocked') => () => ({ ...defaultAppInfo, vault });

describe('first run: create the vault', () => {
  it('refuses a short passphrase and a mismatched confirmation without calling the backend', async () => {
    const backend = mockBackend({ app_info: info('missing') });
    renderApp('/');
    const form = await screen.findByTestId('create-vault');
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'short');
    expect(within(form).getByText('Strength: Too short')).toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Create vault' }));
    expect(await within(form).findByText('Use at least 12 characters.')).toBeInTheDocument();

    await userEvent.clear(within(form).getByLabelText('Passphrase'));
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'copper lantern meadow violin');
    await userEvent.type(within(form).getByLabelText('Confirm passphrase'), 'copper lantern meadow violon');
    await userEvent.click(within(form).getByRole('button', { name: 'Create vault' }));
    expect(await within(form).findByText("The two passphrases don't match.")).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === 'create_vault')).toBe(false);
  });

  it('creates the vault with a confirmed passphrase and moves on', async () => {
    let vault: 'missing' | 'unlocked' = 'missing';
    const backend = mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      create_vault: () => {
        vault = 'unlocked';
        return null;
      },
    });
    renderApp('/');
    const form = await screen.findByTestId('create-vault');
    expect(within(form).getByRole('note')).toHaveTextContent("Evergreen can't recover this passphrase");
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'copper lantern meadow violin');
    expect(within(form).getByText(/Strength: (Strong|Very strong)/)).toBeInTheDocument();
    await userEvent.type(within(form).getByLabelText('Confirm passphrase'), 'copper lantern meadow violin');
    await userEvent.click(within(form).getByRole('button', { name: 'Create vault' }));
    expect(await screen.findByTestId('instagram-card')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'create_vault', args: { passphrase: 'copper lantern meadow violin' } });
  });

  it('shows the backend refusing a weak passphrase on the field', async () => {
    mockBackend({
      app_info: info('missing'),
      create_vault: () => Promise.reject({ code: 'weak_passphrase', message: 'Choose a longer passphrase.' }),
    });
    renderApp('/');
    const form = await screen.findByTestId('create-vault');
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'aaaaaaaaaaaa');
    await userEvent.type(within(form).getByLabelText('Confirm passphrase'), 'aaaaaaaaaaaa');
    await userEvent.click(within(form).getByRole('button', { name: 'Create vault' }));
    expect(await within(form).findByText('Choose a longer passphrase.')).toBeInTheDocument();
    expect(within(form).getByLabelText('Passphrase')).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('automatic unlock with a new vault', () => {
  async function createWithAutoUnlock() {
    const form = await screen.findByTestId('create-vault');
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'copper lantern meadow violin');
    await userEvent.type(within(form).getByLabelText('Confirm passphrase'), 'copper lantern meadow violin');
    await userEvent.click(
      within(form).getByRole('checkbox', { name: 'Unlock Evergreen automatically when I log in to this computer' }),
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Create vault' }));
  }

  it('is turned on with the same passphrase once the vault exists', async () => {
    let vault: 'missing' | 'unlocked' = 'missing';
    const backend = mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      create_vault: () => {
        vault = 'unlocked';
        return null;
      },
      set_auto_unlock: () => null,
    });
    renderApp('/');
    await createWithAutoUnlock();
    await waitFor(() =>
      expect(backend.calls).toContainEqual({
        cmd: 'set_auto_unlock',
        args: { on: true, passphrase: 'copper lantern meadow violin' },
      }),
    );
    const order = backend.calls.map((c) => c.cmd).filter((c) => c === 'create_vault' || c === 'set_auto_unlock');
    expect(order).toEqual(['create_vault', 'set_auto_unlock']);
    expect(screen.queryByTestId('auto-unlock-notice')).not.toBeInTheDocument();
  });

  it('says on the next page, once, when the keyring refuses', async () => {
    let vault: 'missing' | 'unlocked' = 'missing';
    mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      create_vault: () => {
        vault = 'unlocked';
        return null;
      },
      set_auto_unlock: () =>
        Promise.reject({
          code: 'login_keyring',
          message: "Your login keyring was locked, so automatic unlock couldn't be turned on.",
        }),
    });
    renderApp('/');
    await createWithAutoUnlock();
    const notice = await screen.findByTestId('auto-unlock-notice');
    expect(notice).toHaveTextContent("Your login keyring was locked, so automatic unlock couldn't be turned on.");
    expect(notice).toHaveTextContent('You can turn it on in Settings.');
    expect(await screen.findByTestId('instagram-card')).toBeInTheDocument();
    await userEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('auto-unlock-notice')).not.toBeInTheDocument();
  });
});

describe('later runs: unlock', () => {
  it('says why the login keyring could not open the vault this time', async () => {
    mockBackend({
      app_info: info('locked'),
      auto_unlock: () => ({
        enabled: true,
        fallback: 'Your login keyring was locked, so Evergreen needs its passphrase this time.',
      }),
    });
    renderApp('/');
    const form = await screen.findByTestId('unlock-vault');
    expect(await within(form).findByTestId('auto-unlock-fallback')).toHaveTextContent(
      'Your login keyring was locked, so Evergreen needs its passphrase this time.',
    );
  });

  it('shows a wrong passphrase on the field', async () => {
    mockBackend({
      app_info: info('locked'),
      unlock_vault: () =>
        Promise.reject({ code: 'wrong_passphrase', message: "That passphrase doesn't open this vault." }),
    });
    renderApp('/');
    const form = await screen.findByTestId('unlock-vault');
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'nope nope nope');
    await userEvent.click(within(form).getByRole('button', { name: 'Unlock' }));
    expect(await within(form).findByText("That passphrase doesn't open this vault.")).toBeInTheDocument();
  });

  it('offers the last good copy when the vault file is damaged', async () => {
    let vault: 'locked' | 'unlocked' = 'locked';
    const backend = mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      unlock_vault: () =>
        Promise.reject({
          code: 'vault_damaged',
          message: 'The vault file is damaged; your last good copy is from 1 Mar 2026, 12:00 UTC. Restore it to continue.',
        }),
      restore_vault: () => {
        vault = 'unlocked';
        return null;
      },
    });
    renderApp('/');
    const form = await screen.findByTestId('unlock-vault');
    await userEvent.type(within(form).getByLabelText('Passphrase'), 'copper lantern meadow violin');
    await userEvent.click(within(form).getByRole('button', { name: 'Unlock' }));
    const damaged = await within(form).findByTestId('vault-damaged');
    expect(damaged).toHaveTextContent('your last good copy is from 1 Mar 2026');
    await userEvent.click(within(damaged).getByRole('button', { name: 'Restore last good copy' }));
    expect(await screen.findByTestId('instagram-card')).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'restore_vault', args: { passphrase: 'copper lantern meadow violin' } });
  });

  it('lists accounts from metadata while locked', async () => {
    mockBackend({
      app_info: info('locked'),
      list_accounts: () => [
        {
          id: 'a1',
          network: 'instagram',
          networkUserId: '1',
          username: 'shop',
          accountType: 'BUSINESS',
          profilePictureUrl: null,
          status: 'locked',
          statusReason: null,
          statusWords: null,
          tokenExpiresAt: new Date(Date.now() + 3.2 * 86_400_000).toISOString(),
          tokenRefreshedAt: new Date().toISOString(),
          lastValidatedAt: null,
          nextRefreshAt: null,
          label: null,
        },
      ],
    });
    renderApp('/');
    const row = await screen.findByTestId('account-row');
    expect(row).toHaveTextContent('@shop');
    expect(row).toHaveTextContent('Locked');
    expect(row).toHaveTextContent('Unlock to keep tokens renewed. Dates shown are from the last check.');
    expect(row).toHaveTextContent('expires in 3 days');
    expect(within(row).queryByRole('button')).not.toBeInTheDocument();
  });

  it('resets only after the word is typed, and says what is lost', async () => {
    const backend = mockBackend({ app_info: info('locked'), reset_vault: () => null });
    renderApp('/');
    await userEvent.click(await screen.findByRole('button', { name: 'Forgot passphrase?' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reset the vault?' });
    expect(dialog).toHaveTextContent('your saved Instagram connections will be erased');
    expect(dialog).toHaveTextContent('Your accounts stay listed and each will need Reconnect');
    const confirm = within(dialog).getByRole('button', { name: 'Erase and start over' });
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText('Type RESET to confirm'), 'reset');
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === 'reset_vault')).toBe(true));
  });

  it('closes the reset dialog with Escape without resetting', async () => {
    const backend = mockBackend({ app_info: info('locked') });
    renderApp('/');
    await userEvent.click(await screen.findByRole('button', { name: 'Forgot passphrase?' }));
    await screen.findByRole('dialog');
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(backend.calls.some((c) => c.cmd === 'reset_vault')).toBe(false);
  });
});

describe('unlocking with accounts listed', () => {
  it('never draws the unlocked page over the locked list', async () => {
    let vault: 'locked' | 'unlocked' = 'locked';
    const listed = (status: 'locked' | 'connected' | 'needs_reconnect') =>
      ['shop', 'cafe'].map((username, i) =>
        account({ id: `a${i}`, username, status: i === 1 && status === 'connected' ? 'needs_reconnect' : status }),
      );
    mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      // Hundreds of accounts take a moment to list: the page must wait for them.
      list_accounts: async () => {
        if (vault === 'locked') return listed('locked');
        await new Promise((resolve) => setTimeout(resolve, 60));
        return listed('connected');
      },
      // As the app does: the vault's change is announced before the command answers.
      unlock_vault: async () => {
        vault = 'unlocked';
        await emit('vault://changed', { vault: 'unlocked' });
        return null;
      },
    });
    renderApp('/settings/integrations');
    await screen.findByTestId('unlock-vault');
    expect(await screen.findAllByText('Locked')).not.toHaveLength(0);
    // Every frame from here on: the unlocked page (its Lock button) never shows a locked row.
    const frames: string[] = [];
    const observer = new MutationObserver(() => {
      const unlocked = screen.queryByRole('button', { name: 'Lock' }) !== null;
      const rows = screen.queryAllByTestId('account-row').map((row) => row.textContent ?? '');
      if (unlocked) frames.push(rows.join(' | '));
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
    await userEvent.type(screen.getByLabelText('Passphrase'), 'copper lantern meadow violin{Enter}');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Lock' })).toBeInTheDocument());
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(2));
    observer.disconnect();
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((frame) => frame.includes('Locked'))).toEqual([]);
  });
});

describe('locking while the list is being fetched', () => {
  it('shows the list as it is after the lock, not the answer begun before it', async () => {
    let vault: 'locked' | 'unlocked' = 'unlocked';
    let slow = false;
    mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      // The state is read when the call begins; a slow answer arrives after the lock.
      list_accounts: async () => {
        const listed = [account({ id: 'a1', username: 'shop', status: vault === 'locked' ? 'locked' : 'connected' })];
        if (slow) await new Promise((resolve) => setTimeout(resolve, 200));
        return listed;
      },
      lock_vault: async () => {
        vault = 'locked';
        await emit('vault://changed', { vault: 'locked' });
        return null;
      },
    });
    renderApp('/settings/integrations');
    await waitFor(() => expect(screen.getByTestId('account-row')).toHaveTextContent('@shop'));
    // A renewal's change starts a slow fetch of the list...
    slow = true;
    await emit('accounts://updated', { id: 'a1' });
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS + 40));
    slow = false;
    // ...and the person locks before it answers.
    await userEvent.click(screen.getByRole('button', { name: 'Lock' }));
    await screen.findByTestId('unlock-vault');
    await waitFor(() => expect(screen.getByTestId('account-row')).toHaveTextContent('Locked'), { timeout: 2000 });
  });
});

describe('unlocked', () => {
  it('locks from the header', async () => {
    let vault: 'locked' | 'unlocked' = 'unlocked';
    mockBackend({
      app_info: () => ({ ...defaultAppInfo, vault }),
      lock_vault: () => {
        vault = 'locked';
        return null;
      },
    });
    renderApp('/settings/integrations');
    await userEvent.click(await screen.findByRole('button', { name: 'Lock' }));
    expect(await screen.findByTestId('unlock-vault')).toBeInTheDocument();
  });
});
