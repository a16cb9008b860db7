import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { mockBackend } from '@/testing/backend';
import { account } from '@/testing/fixtures';
import { currentRoute, renderApp } from '@/testing/render-app';

const profile = {
  username: 'evergreen.shop',
  name: 'Evergreen Shop',
  accountType: 'BUSINESS',
  profilePictureUrl: null,
  followersCount: 12480,
  mediaCount: 14,
};
const post = (i: number) => ({
  id: `m${i}`,
  caption: `Post ${i}`,
  mediaType: 'IMAGE',
  imageUrl: `http://127.0.0.1:9/cdn/media/${i}.svg`,
  permalink: null,
  timestamp: '2026-02-20T10:00:00+0000',
});

describe('/dashboard', () => {
  it('shows the active account: profile, token health and recent posts with Load more', async () => {
    const backend = mockBackend({
      list_accounts: () => [account({ id: 'a1', username: 'brand' }), account({ id: 'a2' })],
      active_account: () => 'a2',
      account_profile: () => profile,
      account_media: ({ after }) =>
        after === null ? { items: [1, 2, 3].map(post), after: 'c1' } : { items: [4].map(post), after: null },
    });
    renderApp('/dashboard');
    const page = await screen.findByTestId('dashboard-account');
    expect(page).toHaveAttribute('data-username', 'evergreen.shop');
    expect(await screen.findByText('Evergreen Shop')).toBeInTheDocument();
    expect(screen.getByTestId('followers')).toHaveTextContent('12,480');
    const timeline = screen.getByTestId('token-timeline');
    expect(within(timeline).getByTestId('timeline-issued')).toHaveTextContent('8 days ago');
    expect(within(timeline).getByTestId('timeline-expiry')).toHaveTextContent('in 52 days');
    expect(await screen.findAllByTestId('media-tile')).toHaveLength(3);
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('media-tile')).toHaveLength(4));
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: 'account_media', args: { id: 'a2', after: 'c1' } });
  });

  it('keeps last known data and says so when Instagram is unreachable', async () => {
    const offline = () => Promise.reject({ code: 'instagram_unreachable', message: "Couldn't reach Instagram just now. Showing what Evergreen knew at the last check." });
    mockBackend({ list_accounts: () => [account()], account_profile: offline, account_media: offline });
    renderApp('/dashboard');
    expect(await screen.findByTestId('profile-stale')).toHaveTextContent('Showing what Evergreen knew at the last check.');
    expect(screen.getByTestId('profile')).toHaveTextContent('@evergreen.shop');
    expect(await screen.findByText("Couldn't load posts")).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('puts Reconnect above stale data for a dead account, and does not call Instagram', async () => {
    const backend = mockBackend({ list_accounts: () => [account({ status: 'needs_reconnect', statusReason: 'app_removed', statusWords: "Evergreen was removed from the account's apps on Instagram" })] });
    renderApp('/dashboard');
    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('@evergreen.shop needs Reconnect');
    expect(banner).toHaveTextContent('What you see below is from the last check.');
    expect(screen.getByText('Reconnect the account to see its recent posts.')).toBeInTheDocument();
    await userEvent.click(within(banner).getByRole('button', { name: 'Reconnect Instagram' }));
    await waitFor(() => expect(currentRoute().search).toBe('?reconnect=a1'));
    expect(await screen.findByRole('dialog', { name: 'Reconnect @evergreen.shop' })).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === 'account_profile' || c.cmd === 'account_media')).toBe(false);
  });

  it('shows an empty state with no account', async () => {
    mockBackend();
    renderApp('/dashboard');
    expect(await screen.findByTestId('dashboard-empty')).toHaveTextContent('No account yet');
  });

  it('says when a posts list is empty', async () => {
    mockBackend({ list_accounts: () => [account()], account_profile: () => profile, account_media: () => ({ items: [], after: null }) });
    renderApp('/dashboard');
    expect(await screen.findByTestId('media-empty')).toHaveTextContent('No posts yet.');
  });

  it('shows a Threads profile as Threads: its kind, no posts asked for, Reconnect Threads', async () => {
    const threadsProfile = { ...profile, accountType: null, followersCount: null, mediaCount: null };
    const backend = mockBackend({
      list_accounts: () => [account({ network: 'threads', accountType: '', status: 'needs_reconnect', statusWords: 'Threads ended this connection' })],
      account_profile: () => threadsProfile,
    });
    renderApp('/dashboard');
    const page = await screen.findByTestId('dashboard-account');
    expect(page).toHaveAttribute('data-network', 'threads');
    expect(screen.getByTestId('profile')).toHaveTextContent('Threads profile');
    expect(screen.getByTestId('media-not-shown')).toHaveTextContent('does not show their posts');
    const banner = screen.getByRole('alert');
    expect(banner).toHaveTextContent('Your Threads account is fine.');
    await userEvent.click(within(banner).getByRole('button', { name: 'Reconnect Threads' }));
    expect(await screen.findByRole('dialog', { name: 'Reconnect @evergreen.shop' })).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === 'account_media')).toBe(false);
  });

  it('asks a connected Threads profile for its profile but never for posts', async () => {
    const backend = mockBackend({
      list_accounts: () => [account({ network: 'threads', accountType: '' })],
      account_profile: () => ({ ...profile, accountType: null, followersCount: null, mediaCount: null }),
    });
    renderApp('/dashboard');
    expect(await screen.findByText('Evergreen Shop')).toBeInTheDocument();
    expect(screen.getByTestId('media-not-shown')).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === 'account_profile')).toBe(true);
    expect(backend.calls.some((c) => c.cmd === 'account_media')).toBe(false);
  });
});
