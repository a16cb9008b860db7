// Ctrl+W closes the window to the tray, as in other tray apps. The backend destroys the
// window (and its web processes); Evergreen keeps renewing in the background.
import { useEffect } from 'react';
import { z } from 'zod/mini';

import { call } from './ipc';

export const closeWindow = () => call('close_window', {}, z.null());

export function useCloseToTrayShortcut() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'w') {
        event.preventDefault();
        void closeWindow().catch((error: unknown) => console.error('close to tray', error));
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
