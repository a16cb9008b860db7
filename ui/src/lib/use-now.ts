import { useEffect, useState } from 'react';

/** The current time, updated every `everyMs`, so "2 hours ago" keeps telling the truth. */
export function useNow(everyMs = 60_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}
