// Tell the backend once per page load when the first real screen (not "Starting…") is on
// screen: two animation frames after it was committed, the frame has been painted. The
// backend logs it with the time since the process started (the footprint benchmark reads it).
import { useEffect } from 'react';
import { z } from 'zod';

import { call } from './ipc';

let reported = false;

export function useReportFirstPaint(ready: boolean) {
  useEffect(() => {
    if (!ready || reported) return;
    reported = true;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        call('page_painted', {}, z.null()).catch(() => undefined);
      }),
    );
  }, [ready]);
}
