import { QueryClient } from '@tanstack/react-query';

// The core does the retrying (backoff, rate limits); the UI never retries on its own, and
// backend events, not polling or window focus, tell it when data is stale.
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
}
