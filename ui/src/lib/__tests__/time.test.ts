import { describe, expect, it } from 'vitest';

import { relative, shortDate } from '../time';

const now = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
const DAY = 86_400_000;

describe('relative', () => {
  it.each([
    [60 * DAY - 1000, 'in 60 days'],
    [52 * DAY, 'in 52 days'],
    [2 * DAY, 'in 2 days'],
    [36 * 3_600_000, 'in 36 hours'],
    [2 * 3_600_000, 'in 2 hours'],
    [90 * 60_000, 'in 90 minutes'],
    [30_000, 'in a moment'],
    [-30_000, 'just now'],
    [-2 * 3_600_000, '2 hours ago'],
    [-3 * DAY, '3 days ago'],
  ])('%d ms from now reads %s', (ms, text) => {
    expect(relative(at(ms), now)).toBe(text);
  });
});

describe('shortDate', () => {
  it('omits this year and shows another', () => {
    expect(shortDate('2026-01-20T10:00:00Z', now)).toBe('20 Jan');
    expect(shortDate('2027-01-20T10:00:00Z', now)).toBe('20 Jan 2027');
  });
});
