import { useMemo } from 'react';

import type { Account } from '@/lib/accounts';

import { STATE_FILTERS, type StateFilter, countByState, labelsOf } from '../filter';

/** From this many accounts on, the card offers a search and a state filter. */
export const FINDER_FROM = 6;

type Props = {
  accounts: readonly Account[];
  query: string;
  onQuery: (query: string) => void;
  state: StateFilter;
  onState: (state: StateFilter) => void;
  label: string | null;
  onLabel: (label: string | null) => void;
  /** How many accounts the list shows now. */
  shown: number;
};

/** Search by handle and filter by state, above the list of accounts. */
export function AccountFinder({ accounts, query, onQuery, state, onState, label, onLabel, shown }: Props) {
  const counts = useMemo(() => countByState(accounts), [accounts]);
  const labels = useMemo(() => labelsOf(accounts), [accounts]);
  return (
    <div className="finder" role="search">
      <input
        type="search"
        className="field__input finder__search"
        placeholder="Find an account: type a handle or a label"
        aria-label="Find an account"
        value={query}
        onChange={(e) => onQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && query) {
            e.preventDefault();
            onQuery('');
          }
        }}
        data-testid="account-search"
      />
      <div className="finder__states" role="radiogroup" aria-label="Show">
        {(Object.keys(STATE_FILTERS) as StateFilter[]).map((key) => (
          <button
            key={key}
            type="button"
            role="radio"
            aria-checked={state === key}
            className={`chip${state === key ? ' chip--on' : ''}`}
            onClick={() => onState(key)}
            data-testid={`filter-${key}`}
          >
            {STATE_FILTERS[key]} <span className="chip__count">{counts[key]}</span>
          </button>
        ))}
      </div>
      {labels.length > 0 && (
        <select
          className="field__input finder__label"
          aria-label="Client"
          value={label ?? ''}
          onChange={(e) => onLabel(e.target.value || null)}
          data-testid="label-filter"
        >
          <option value="">Every client</option>
          {labels.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      )}
      <p className="muted finder__count" role="status" data-testid="account-count">
        {shown === accounts.length
          ? `${accounts.length} accounts`
          : shown === 0
            ? `No account matches${query.trim() ? ` “${query.trim()}”` : ''}.`
            : `Showing ${shown} of ${accounts.length}`}
      </p>
    </div>
  );
}
