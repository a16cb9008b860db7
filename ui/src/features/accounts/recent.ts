// The accounts a person switched to last, first in the switcher. Kept in this window's local
// storage only: a list of ids, never sent anywhere.
const KEY = 'evergreen.recent-accounts';
const KEEP = 5;

export function recentAccounts(): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string').slice(0, KEEP) : [];
  } catch {
    return [];
  }
}

export function rememberRecent(id: string) {
  const next = [id, ...recentAccounts().filter((other) => other !== id)].slice(0, KEEP);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or refused: the order is a convenience.
  }
}
