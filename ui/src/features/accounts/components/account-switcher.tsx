import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';

import { type Account, needsAttention, useAccounts, useActiveAccount } from '@/lib/accounts';
import { networkName } from '@/lib/networks';

import { useSetActiveAccount } from '../api/account-actions';
import { filterAccounts } from '../filter';
import { recentAccounts, rememberRecent } from '../recent';
import { statusView } from '../status';

import { Avatar } from './avatar';

/** At most this many accounts are drawn at once; typing narrows the rest. */
const DRAWN = 50;

/** The active account, the recent ones, then the others (attention first), matching `query`. */
function ordered(list: readonly Account[], activeId: string | undefined, query: string): Account[] {
  const recent = recentAccounts();
  const rank = (a: Account) => (a.id === activeId ? -1 : recent.includes(a.id) ? recent.indexOf(a.id) : recent.length);
  const byAttention = filterAccounts(list, query, 'all');
  return byAttention
    .map((a, at) => ({ a, at, rank: rank(a) }))
    .sort((x, y) => x.rank - y.rank || x.at - y.at)
    .map(({ a }) => a);
}

/** The header's account switcher: the active account by avatar and handle, a badge when
 *  another account needs attention, and a searchable list of accounts (Ctrl+K from anywhere:
 *  type to filter, arrows, Enter), bounded in height, with Add account. */
export function AccountSwitcher({ onAddAccount }: { onAddAccount: () => void }) {
  const accounts = useAccounts();
  const { account: active } = useActiveAccount();
  const select = useSetActiveAccount();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  // By account, not by place: a refetch during a check may reorder the list under the keys.
  const [highlightId, setHighlightId] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const list = accounts.data;
  const others = (list ?? []).filter((a) => a.id !== active?.id && needsAttention(a)).length;
  const now = new Date();
  // The same handle can be on two networks: name each account's once there is more than one.
  const manyNetworks = useMemo(() => new Set((list ?? []).map((a) => a.network)).size > 1, [list]);
  const matching = useMemo(() => (open ? ordered(list ?? [], active?.id, query) : []), [open, list, active?.id, query]);
  const drawn = matching.slice(0, DRAWN);
  const highlight = Math.max(0, drawn.findIndex((a) => a.id === highlightId));
  const setHighlight = (at: number) => setHighlightId(drawn[at]?.id ?? null);
  const hasActive = useRef(false);
  hasActive.current = active !== undefined;

  useEffect(() => {
    const shortcut = (e: globalThis.KeyboardEvent) => {
      const ctrlK = (e.ctrlKey || e.metaKey) && !e.altKey && (e.code === 'KeyK' || e.key.toLowerCase() === 'k');
      // Not over a dialog (it keeps the focus, and Escape would close both), nor with no
      // account to switch to.
      if (!ctrlK || e.defaultPrevented || !hasActive.current || document.querySelector('[aria-modal="true"]')) return;
      e.preventDefault();
      setOpen(true);
    };
    document.addEventListener('keydown', shortcut);
    return () => document.removeEventListener('keydown', shortcut);
  }, []);

  useEffect(() => {
    if (!open) return;
    input.current?.focus();
    const outside = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) {
        setOpen(false);
        setQuery('');
        setHighlightId(null);
      }
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);

  useEffect(() => {
    panel.current?.querySelector(`[data-index="${highlight}"]`)?.scrollIntoView?.({ block: 'nearest' });
  }, [highlight]);

  function close(refocus = true) {
    setOpen(false);
    setQuery('');
    setHighlightId(null);
    if (refocus) button.current?.focus();
  }

  function choose(a: Account) {
    rememberRecent(a.id);
    select.mutate(a.id);
    close();
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && drawn.length) {
      e.preventDefault();
      setHighlight((highlight + (e.key === 'ArrowDown' ? 1 : -1) + drawn.length) % drawn.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const chosen = drawn[highlight];
      if (chosen) choose(chosen);
    } else if (e.key === 'Tab') {
      close(false);
    }
  }

  if (!active) {
    return null;
  }
  const optionId = (at: number) => `${listId}-${at}`;
  return (
    <div className="switcher">
      <button
        ref={button}
        type="button"
        className="switcher__button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-keyshortcuts="Control+K"
        aria-label={`Active account @${active.username}${manyNetworks ? ` on ${networkName(active.network)}` : ''}. Switch account (Ctrl+K)${others ? `; ${others} other ${others === 1 ? 'needs' : 'need'} attention` : ''}`}
        onClick={() => (open ? close() : setOpen(true))}
        data-testid="switcher"
      >
        <Avatar account={active} size={28} />
        <span className="handle" data-testid="switcher-active">
          @{active.username}
        </span>
        {manyNetworks && <NetworkTag account={active} />}
        {others > 0 && (
          <span className="badge" data-testid="switcher-badge">
            {others} need attention
          </span>
        )}
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div ref={panel} className="switcher__menu" role="dialog" aria-label="Switch account">
          <input
            ref={input}
            type="text"
            role="combobox"
            className="field__input switcher__search"
            placeholder="Type a handle or a label"
            aria-label="Find an account"
            aria-expanded="true"
            aria-controls={listId}
            aria-activedescendant={drawn.length ? optionId(highlight) : undefined}
            aria-autocomplete="list"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setHighlightId(null);
            }}
            onKeyDown={onKeyDown}
            data-testid="switcher-search"
          />
          <div id={listId} className="switcher__list" role="listbox" aria-label="Accounts">
            {drawn.map((a, at) => {
              const view = statusView(a, now);
              return (
                <div
                  key={a.id}
                  id={optionId(at)}
                  role="option"
                  aria-selected={at === highlight}
                  aria-current={a.id === active.id ? 'true' : undefined}
                  className={`switcher__item${at === highlight ? ' switcher__item--on' : ''}`}
                  data-testid="switcher-item"
                  data-username={a.username}
                  data-index={at}
                  tabIndex={-1}
                  onKeyDown={onKeyDown}
                  onMouseDown={(e) => e.preventDefault()}
                  onMouseEnter={() => setHighlight(at)}
                  onClick={() => choose(a)}
                >
                  <span className={`dot dot--${view.tone}`} aria-hidden="true" />
                  <Avatar account={a} size={24} />
                  <span className="handle">@{a.username}</span>
                  {manyNetworks && <NetworkTag account={a} />}
                  {a.label && <span className="label-tag">{a.label}</span>}
                  <span className="muted switcher__status">{view.pill}</span>
                </div>
              );
            })}
            {matching.length === 0 && (
              <p className="muted switcher__none" role="status">
                No account matches “{query.trim()}”.
              </p>
            )}
            {matching.length > drawn.length && (
              <p className="muted switcher__none" role="status" data-testid="switcher-more">
                {matching.length - drawn.length} more: type to narrow the list.
              </p>
            )}
          </div>
          <button
            type="button"
            className="switcher__item switcher__add"
            onClick={() => {
              close(false);
              onAddAccount();
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') close();
            }}
            data-testid="switcher-add"
          >
            + Add account
          </button>
        </div>
      )}
    </div>
  );
}

function NetworkTag({ account }: { account: Account }) {
  return (
    <span className="network-tag" data-network={account.network} data-testid="network-tag">
      {networkName(account.network)}
    </span>
  );
}
