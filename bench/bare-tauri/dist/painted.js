// Report the first painted frame, as Evergreen's page does.
requestAnimationFrame(() =>
  requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('painted').catch(() => undefined)),
);
