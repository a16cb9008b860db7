import { fireEvent } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CARET_IDLE_MS, quietIdleCaret } from '../quiet-caret';

describe('quietIdleCaret', () => {
  let stop: () => void;
  let field: HTMLInputElement;

  beforeEach(() => {
    vi.useFakeTimers();
    document.body.innerHTML = '<input id="pass" type="password" /><input id="url" readonly value="https://x" />';
    field = document.getElementById('pass') as HTMLInputElement;
    field.focus();
    stop = quietIdleCaret(document);
  });

  afterEach(() => {
    stop();
    vi.useRealTimers();
    document.body.innerHTML = '';
  });

  it('pauses the caret of a focused field left alone for the blink timeout, keeping focus', () => {
    vi.advanceTimersByTime(CARET_IDLE_MS - 1);
    expect(field.readOnly).toBe(false);
    vi.advanceTimersByTime(1);
    expect(field.readOnly).toBe(true);
    expect(field).toHaveAttribute('data-caret-paused');
    expect(document.activeElement).toBe(field);
  });

  it('makes the field editable again before the next key, so the key is typed', async () => {
    vi.advanceTimersByTime(CARET_IDLE_MS);
    expect(field.readOnly).toBe(true);
    // user-event paces its keys with real timers.
    vi.useRealTimers();
    await userEvent.setup().keyboard('s3cret');
    expect(field.readOnly).toBe(false);
    expect(field.value).toBe('s3cret');
    expect(field).not.toHaveAttribute('data-caret-paused');
  });

  it('a click also wakes the field, and typing keeps pushing the timeout back', () => {
    vi.advanceTimersByTime(CARET_IDLE_MS);
    fireEvent.pointerDown(field);
    expect(field.readOnly).toBe(false);
    vi.advanceTimersByTime(CARET_IDLE_MS / 2);
    fireEvent.keyDown(field, { key: 'a' });
    vi.advanceTimersByTime(CARET_IDLE_MS / 2);
    expect(field.readOnly).toBe(false);
  });

  it('never touches a field that is read-only on purpose', () => {
    const url = document.getElementById('url') as HTMLInputElement;
    url.focus();
    vi.advanceTimersByTime(CARET_IDLE_MS);
    fireEvent.keyDown(url, { key: 'c', ctrlKey: true });
    expect(url.readOnly).toBe(true);
    expect(url).not.toHaveAttribute('data-caret-paused');
  });

  it('leaves the field editable when it stops watching', () => {
    vi.advanceTimersByTime(CARET_IDLE_MS);
    stop();
    expect(field.readOnly).toBe(false);
  });
});
