// Dates as a social media manager reads them: "in 52 days", "20 Jan", "2 hours ago".

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });
const dateYearFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** "20 Jan" (with the year when it is not this year's). */
export function shortDate(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return date.getFullYear() === now.getFullYear() ? dateFormat.format(date) : dateYearFormat.format(date);
}

/** "Tue 20 Jan, 14:05". */
export function dateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/** "in 52 days", "in 3 hours", "tomorrow"-free plain wording; past times read "… ago". */
export function relative(iso: string, now = new Date()): string {
  const diff = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(diff);
  // Rounded, so a token issued a second ago reads "in 60 days", not "in 59 days".
  const [value, unit] =
    abs >= 2 * DAY - HOUR / 2
      ? [Math.round(abs / DAY), 'day']
      : abs >= 2 * HOUR - MINUTE / 2
        ? [Math.round(abs / HOUR), 'hour']
        : abs >= 2 * MINUTE - 30_000
          ? [Math.round(abs / MINUTE), 'minute']
          : [0, ''];
  if (value === 0) return diff >= 0 ? 'in a moment' : 'just now';
  const amount = `${value} ${unit}${value === 1 ? '' : 's'}`;
  return diff >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** Whole days from now until `iso` (negative once past). */
export function daysUntil(iso: string, now = new Date()): number {
  return Math.floor((new Date(iso).getTime() - now.getTime()) / DAY);
}
