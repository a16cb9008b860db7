import { render } from '@testing-library/react';

import { AppProvider } from '@/app/provider';
import { AppRoutes } from '@/app/router';
import { makeQueryClient } from '@/lib/query-client';

/** Render the whole app at `path` (the hash route, as in the app), with a fresh query client
 *  (no retries) per test. */
export function renderApp(path = '/') {
  history.replaceState(null, '', `#${path}`);
  const queryClient = makeQueryClient();
  const utils = render(
    <AppProvider queryClient={queryClient}>
      <AppRoutes />
    </AppProvider>,
  );
  return { ...utils, queryClient };
}

/** Where the app is now: the hash route's path and query (with its `?`). */
export function currentRoute() {
  const [pathname = '/', query] = location.hash.replace(/^#/, '').split('?');
  return { pathname, search: query ? `?${query}` : '' };
}
