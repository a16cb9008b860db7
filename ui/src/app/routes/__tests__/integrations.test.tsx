import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { mockBackend } from '@/testing/backend';
import { account, appInfo } from '@/testing/fixtures';
import { currentRoute, renderApp } from '@/testing/render-app';

describe('/settings/integrations', () => {
  it('shows the Instagram card as not connected', async () => {
    mockBackend();
    renderApp('/settings/integrations');
    const card = await screen.findByTestId('instagram-card');
    expect(within(card).getByText('Not connected')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Integrations' })).toBeInTheDocument();
  });

  it('keeps each network\'s accounts on its own card, and connects Threads on Threads', async () => {
    const started = { state: 'flow-t', authorizeUrl: 'https://threads.com/oauth/authorize?client_id=1', browserOpened: true };
    const backend = mockBackend({
      list_accounts: () => [
        account({ id: 'ig', username: 'brand' }),
        account({ id: 'th', username: 'brand', network: 'threads', networkUserId: '2590000001', accountType: '' }),
      ],
      start_connect: () => started,
    });
    renderApp('/settings/integrations');
    const instagram = await screen.findByTestId('instagram-card');
    const threads = screen.getByTestId('threads-card');
    expect(within(instagram).getAllByTestId('account-row')).toHaveLength(1);
    expect(within(instagram).getByTestId('account-row')).toHaveTextContent('Business');
    expect(within(threads).getAllByTestId('account-row')).toHaveLength(1);
    expect(within(threads).getByTestId('account-row')).toHaveTextContent('Threads profile');
    await userEvent.click(within(threads).getByRole('button', { name: 'Connect another Threads account' }));
    const dialog = await screen.findByRole('dialog', { name: 'Connect another Threads account' });
    expect(dialog).toHaveTextContent('sign in to Threads in your browser');
    expect(dialog).not.toHaveTextContent('Business and Creator');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue in browser' }));
    await waitFor(() =>
      expect(backend.calls).toContainEqual({ cmd: 'start_connect', args: { purpose: 'add', accountId: null, network: 'threads' } }),
    );
    expect(await within(dialog).findByTestId('connect-waiting')).toHaveTextContent('Waiting for Threads in your browser');
  });

  it('offers Threads as its own card when no Threads profile is connected', async () => {
    mockBackend({ list_accounts: () => [account()] });
    renderApp('/settings/integrations');
    const threads = await screen.findByTestId('threads-card');
    expect(within(threads).getByText('Not connected')).toBeInTheDocument();
    expect(within(threads).getByRole('button', { name: 'Connect Threads' })).toBeInTheDocument();
  });

  it('redirects the root to integrations', async () => {
    mockBackend();
    renderApp('/');
    await screen.findByTestId('instagram-card');
    expect(currentRoute().pathname).toBe('/settings/integrations');
  });

  it('marks the current page in the menu, and moves the mark with the page', async () => {
    mockBackend();
    renderApp('/settings/integrations');
    const menu = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(menu).getByRole('link', { name: 'Integrations' })).toHaveAttribute('aria-current', 'page');
    expect(within(menu).getByRole('link', { name: 'Settings' })).not.toHaveAttribute('aria-current');
    await userEvent.click(within(menu).getByRole('link', { name: 'Activity' }));
    await waitFor(() => expect(currentRoute().pathname).toBe('/activity'));
    expect(within(menu).getByRole('link', { name: 'Activity' })).toHaveAttribute('aria-current', 'page');
    expect(within(menu).getByRole('link', { name: 'Activity' })).toHaveClass('active');
    expect(within(menu).getByRole('link', { name: 'Integrations' })).not.toHaveAttribute('aria-current');
  });

  it('shows the demo banner only in demo mode', async () => {
    mockBackend({ app_info: () => appInfo({ mode: 'demo', online: null }) });
    renderApp('/settings/integrations');
    expect(await screen.findByTestId('demo-banner')).toHaveTextContent('pretend Instagram');
  });

  it('shows a refused link when the backend reports one, and dismisses it', async () => {
    let notices = [
      { id: 1, kind: 'refused', code: 'link_not_ours', message: 'This link is not one Evergreen started.', state: 'y', accountId: null, username: null },
    ];
    const backend = mockBackend({
      link_notices: () => notices,
      dismiss_link_notice: ({ id }) => {
        notices = notices.filter((n) => n.id !== id);
        return null;
      },
    });
    renderApp('/settings/integrations');
    const notice = await screen.findByTestId('link-notice');
    expect(notice).toHaveTextContent('This link is not one Evergreen started.');
    await userEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.queryByTestId('link-notice')).not.toBeInTheDocument());
    expect(backend.calls).toContainEqual({ cmd: 'dismiss_link_notice', args: { id: 1 } });
  });

  it('refetches notices when the backend announces one', async () => {
    let notices: unknown[] = [];
    mockBackend({ link_notices: () => notices });
    renderApp('/settings/integrations');
    await screen.findByTestId('instagram-card');
    notices = [{ id: 7, kind: 'refused', code: 'invalid_link', message: "This link can't be used.", state: null, accountId: null, username: null }];
    await emit('connect://notice');
    expect(await screen.findByTestId('link-notice')).toHaveTextContent("This link can't be used.");
  });
});
