// Report the first painted frame, as Evergreen's page does, with the page's own share (since
// navigation began).
requestAnimationFrame(() =>
  requestAnimationFrame(() =>
    window.__TAURI_INTERNALS__.invoke('painted', { pageMs: performance.now() }).catch(() => undefined),
  ),
);
