import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { mockBackend } from '@/testing/backend';
import { renderApp } from '@/testing/render-app';

describe('closing to the tray', () => {
  it('Ctrl+W asks the backend to close the window, and says renewals go on', async () => {
    const backend = mockBackend({ close_window: () => null });
    renderApp('/settings/integrations');
    expect(await screen.findByText(/keeps Evergreen renewing from the tray/)).toBeInTheDocument();
    await userEvent.keyboard('{Control>}w{/Control}');
    await waitFor(() => expect(backend.calls.map((c) => c.cmd)).toContain('close_window'));
  });

  it('a plain w types nothing special', async () => {
    const backend = mockBackend({ close_window: () => null });
    renderApp('/settings/integrations');
    await screen.findByText(/keeps Evergreen renewing from the tray/);
    await userEvent.keyboard('w');
    expect(backend.calls.map((c) => c.cmd)).not.toContain('close_window');
  });
});
