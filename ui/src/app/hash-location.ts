// Where the app is, kept in the URL's hash, query included (`#/settings/integrations?connect=add`):
// the page is served from the app's own protocol, where only index.html exists, and a dialog
// that lives in the query must close when the path changes. Wouter's own hash hook keeps the
// query outside the hash and carries it from page to page, so these are its location and
// search hooks instead.
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (listeners.size === 1) {
    addEventListener('hashchange', notify);
    addEventListener('popstate', notify);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      removeEventListener('hashchange', notify);
      removeEventListener('popstate', notify);
    }
  };
}

/** The route after `#`, split into path and query (without `?`). */
function route() {
  const hash = '/' + location.hash.replace(/^#?\/?/, '');
  const at = hash.indexOf('?');
  return at < 0 ? { path: hash, search: '' } : { path: hash.slice(0, at), search: hash.slice(at + 1) };
}

const currentPath = () => route().path;
const currentSearch = () => route().search;

/** Go to `to` (a path with an optional query); `replace` keeps the history entry count. */
export function navigate(to: string, options?: { replace?: boolean }) {
  const url = new URL(location.href);
  url.hash = to;
  if (url.href === location.href) return;
  history[options?.replace ? 'replaceState' : 'pushState'](null, '', url);
  // Neither pushState nor replaceState announces itself.
  notify();
}

export const useHashLocation = (): [string, typeof navigate] => [
  useSyncExternalStore(subscribe, currentPath),
  navigate,
];

export const useHashSearch = () => useSyncExternalStore(subscribe, currentSearch);

/** What a link's `href` is for a route. */
export const hashHref = (to: string) => `#${to}`;
