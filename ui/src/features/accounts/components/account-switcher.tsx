import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

import { needsAttention, useAccounts, useActiveAccount } from '@/lib/accounts';

import { useSetActiveAccount } from '../api/account-actions';
import { statusView } from '../status';

import { Avatar } from './avatar';

/** The header's account switcher: the active account by avatar and handle, a badge when
 *  another account needs attention, a menu of accounts with status dots, and Add account. */
export function AccountSwitcher({ onAddAccount }: { onAddAccount: () => void }) {
  const accounts = useAccounts();
  const { account: active } = useActiveAccount();
  const select = useSetActiveAccount();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const list = accounts.data ?? [];
  const others = list.filter((a) => a.id !== active?.id && needsAttention(a)).length;
  const now = new Date();

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role^=menuitem]')?.focus();
    const outside = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);

  function close() {
    setOpen(false);
    button.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent) {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role^=menuitem]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  }

  if (!active) {
    return null;
  }
  return (
    <div className="switcher">
      <button
        ref={button}
        type="button"
        className="switcher__button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`Active account @${active.username}. Switch account${others ? `; ${others} other ${others === 1 ? 'needs' : 'need'} attention` : ''}`}
        onClick={() => setOpen((o) => !o)}
        data-testid="switcher"
      >
        <Avatar account={active} size={28} />
        <span className="handle" data-testid="switcher-active">
          @{active.username}
        </span>
        {others > 0 && (
          <span className="badge" data-testid="switcher-badge">
            {others} need attention
          </span>
        )}
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div ref={menu} className="switcher__menu" role="menu" aria-label="Accounts" tabIndex={-1} onKeyDown={onKeyDown}>
          {list.map((a) => {
            const view = statusView(a, now);
            return (
              <button
                key={a.id}
                type="button"
                role="menuitemradio"
                aria-checked={a.id === active.id}
                className="switcher__item"
                data-testid="switcher-item"
                data-username={a.username}
                onClick={() => {
                  select.mutate(a.id);
                  close();
                }}
              >
                <span className={`dot dot--${view.tone}`} aria-hidden="true" />
                <Avatar account={a} size={24} />
                <span className="handle">@{a.username}</span>
                <span className="muted switcher__status">{view.pill}</span>
              </button>
            );
          })}
          <button
            type="button"
            role="menuitem"
            className="switcher__item switcher__add"
            onClick={() => {
              setOpen(false);
              onAddAccount();
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
