// Tell the backend once per page load when the first real screen (not "Starting…") is on
// screen: two animation frames after it was committed to the DOM, the frame holding it has
// been painted (the bare app of the footprint benchmark reports the same way). The backend
// logs it with the time since the process started and where the page spent its part.
import { useLayoutEffect } from 'react';
import { z } from 'zod/mini';

import { call } from './ipc';

let reported = false;
let mountedMs: number | undefined;

/** Milliseconds since the webview began navigating, as the backend's `PageTiming`. */
export function pageTiming(stateMs: number, frameMs: number, paintedMs: number) {
  const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return {
    htmlMs: nav?.responseEnd ?? 0,
    scriptsMs: nav?.domContentLoadedEventStart ?? 0,
    mountedMs: mountedMs ?? 0,
    stateMs,
    frameMs,
    paintedMs,
  };
}

export function useReportFirstPaint(ready: boolean) {
  mountedMs ??= performance.now();
  // A layout effect runs as the screen is committed; a passive one may wait for a frame or
  // more after the screen was painted, and would time React's scheduling, not the paint.
  useLayoutEffect(() => {
    if (!ready || reported) return;
    reported = true;
    const stateMs = performance.now();
    requestAnimationFrame(() => {
      const frameMs = performance.now();
      requestAnimationFrame(() => {
        const timing = pageTiming(stateMs, frameMs, performance.now());
        call('page_painted', { timing }, z.null()).catch(() => undefined);
      });
    });
  }, [ready]);
}
