import { fireEvent } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CARET_IDLE_MS, quietIdleCaret } from '../quiet-caret';

describe('quietIdleCaret', () => {
  let stop: () => void;
  let field: HTMLInputElement;

  beforeEach(() => {
    vi.useFakeTimers();
    document.body.innerHTML =
      '<input id="pass" type="password" /><input id="url" readonly value="https://x" /><button id="other">Other</button>';
    field = document.getElementById('pass') as HTMLInputElement;
    field.focus();
    stop = quietIdleCaret(document);
  });

  afterEach(() => {
    stop();
    vi.useRealTimers();
    document.body.innerHTML = '';
  });

  it('stops the caret of a field left alone for the blink timeout, keeping it marked', () => {
    vi.advanceTimersByTime(CARET_IDLE_MS - 1);
    expect(document.activeElement).toBe(field);
    vi.advanceTimersByTime(1);
    expect(document.activeElement).not.toBe(field);
    expect(field).toHaveAttribute('data-caret-paused');
  });

  it('gives the focus back on the next key, so the key is typed into the field', async () => {
    vi.advanceTimersByTime(CARET_IDLE_MS);
    expect(document.activeElement).toBe(document.body);
    // user-event paces its keys with real timers.
    vi.useRealTimers();
    await userEvent.setup().keyboard('s3cret');
    expect(document.activeElement).toBe(field);
    expect(field.value).toBe('s3cret');
    expect(field).not.toHaveAttribute('data-caret-paused');
  });

  it('a click elsewhere goes where it was aimed; typing keeps pushing the timeout back', () => {
    vi.advanceTimersByTime(CARET_IDLE_MS / 2);
    fireEvent.keyDown(field, { key: 'a' });
    vi.advanceTimersByTime(CARET_IDLE_MS / 2);
    expect(document.activeElement).toBe(field);
    vi.advanceTimersByTime(CARET_IDLE_MS / 2);
    const other = document.getElementById('other') as HTMLButtonElement;
    fireEvent.pointerDown(other);
    other.focus();
    expect(field).not.toHaveAttribute('data-caret-paused');
    fireEvent.keyDown(other, { key: 'Enter' });
    expect(document.activeElement).toBe(other);
  });

  it('never touches a field that is read-only on purpose', () => {
    const url = document.getElementById('url') as HTMLInputElement;
    url.focus();
    vi.advanceTimersByTime(CARET_IDLE_MS);
    expect(document.activeElement).toBe(url);
    expect(url).not.toHaveAttribute('data-caret-paused');
  });

  it('drops its mark when it stops watching', () => {
    vi.advanceTimersByTime(CARET_IDLE_MS);
    stop();
    expect(field).not.toHaveAttribute('data-caret-paused');
  });
});
