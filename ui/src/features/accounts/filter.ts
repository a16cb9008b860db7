// Finding one account among hundreds: by what a person types (the handle, with or without
// its @, the account's label, or its network's whole name), by the state that asks something of them, and by label. Pure, so it is tested on its own and
// costs one pass over the list per keystroke.
import { type Account, needsAttention } from '@/lib/accounts';

/** The states a person filters by, in the words of the filter's buttons. */
export const STATE_FILTERS = {
  all: 'All',
  needs_you: 'Needs you',
  expiring: 'Expiring',
  connected: 'Connected',
} as const;
export type StateFilter = keyof typeof STATE_FILTERS;

export const isStateFilter = (value: string | null): value is StateFilter =>
  value !== null && Object.hasOwn(STATE_FILTERS, value);

/** A reconnect or an Instagram login: the person has to act. */
const needsYou = (a: Account) => a.status === 'needs_reconnect' || a.status === 'needs_instagram_login';

function inState(a: Account, state: StateFilter): boolean {
  switch (state) {
    case 'all':
      return true;
    case 'needs_you':
      return needsYou(a);
    case 'expiring':
      return a.status === 'expiring';
    case 'connected':
      return a.status === 'connected' || a.status === 'refreshing';
  }
}

/** What a query is compared with: lower case, without a leading @ or surrounding space. */
export const normalize = (text: string) => text.trim().replace(/^@/, '').toLowerCase();

/** Whether `a` matches a query already `normalize`d (once per keystroke, not per account). */
function matchesNormalized(a: Account, q: string): boolean {
  return (
    q === '' ||
    a.username.toLowerCase().includes(q) ||
    (a.label?.toLowerCase().includes(q) ?? false) ||
    // The whole word only: "in" is a handle being typed, not every Instagram account.
    a.network === q
  );
}

/** Every label in use, sorted. */
export function labelsOf(list: readonly Account[]): string[] {
  return [...new Set(list.flatMap((a) => (a.label ? [a.label] : [])))].sort((a, b) => a.localeCompare(b));
}

/** Accounts that need attention first, otherwise in the list's order. */
export function attentionFirst(list: readonly Account[]): Account[] {
  return [...list].sort((a, b) => Number(needsAttention(b)) - Number(needsAttention(a)));
}

/** The accounts shown for `query`, `state` and `label` (null: any), attention first. */
export function filterAccounts(
  list: readonly Account[],
  query: string,
  state: StateFilter,
  label: string | null = null,
): Account[] {
  const q = normalize(query);
  return attentionFirst(
    list.filter((a) => inState(a, state) && matchesNormalized(a, q) && (label === null || a.label === label)),
  );
}

/** How many accounts each state filter would show. */
export function countByState(list: readonly Account[]): Record<StateFilter, number> {
  const counts: Record<StateFilter, number> = { all: 0, needs_you: 0, expiring: 0, connected: 0 };
  for (const a of list) {
    for (const state of Object.keys(counts) as StateFilter[]) if (inState(a, state)) counts[state] += 1;
  }
  return counts;
}
