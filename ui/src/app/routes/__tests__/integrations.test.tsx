import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { mockBackend } from '@/testing/backend';
import { appInfo } from '@/testing/fixtures';
import { currentRoute, renderApp } from '@/testing/render-app';

describe('/settings/integrations', () => {
  it('shows the Instagram card as not connected', async () => {
    mockBackend();
    renderApp('/settings/integrations');
    const card = await screen.findByTestId('instagram-card');
    expect(within(card).getByText('Not connected')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Integrations' })).toBeInTheDocument();
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
