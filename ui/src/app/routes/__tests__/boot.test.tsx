import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { defaultAppInfo, mockBackend } from '@/testing/backend';
import { renderApp } from '@/testing/render-app';

type Boot = { __EVERGREEN_BOOT__?: unknown };
const never = () => new Promise(() => undefined);

describe('the state written into the page by the backend', () => {
  afterEach(() => {
    delete (window as Boot).__EVERGREEN_BOOT__;
  });

  it('draws the first real screen before any answer arrives, and still asks the backend', async () => {
    (window as Boot).__EVERGREEN_BOOT__ = { ...defaultAppInfo, vault: 'locked' };
    const backend = mockBackend({ app_info: never });
    renderApp('/settings/integrations');
    // Synchronously: no "Starting…" round trip.
    expect(screen.getByTestId('unlock-vault')).toBeInTheDocument();
    expect(screen.queryByText('Starting…')).not.toBeInTheDocument();
    await waitFor(() => expect(backend.calls.map((c) => c.cmd)).toContain('app_info'));
  });

  it('ignores a malformed one and waits for the backend', () => {
    (window as Boot).__EVERGREEN_BOOT__ = { vault: 'open sesame' };
    mockBackend({ app_info: never });
    renderApp('/settings/integrations');
    expect(screen.getByText('Starting…')).toBeInTheDocument();
    expect(screen.queryByTestId('unlock-vault')).not.toBeInTheDocument();
  });
});
