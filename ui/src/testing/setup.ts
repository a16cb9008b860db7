import '@testing-library/jest-dom/vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup } from '@testing-library/react';
import { randomFillSync } from 'node:crypto';
import { afterEach } from 'vitest';

import { installReactEffectTiming } from '@/lib/effect-timing';

// As main.tsx does: the UI is tested with the effect timing it ships with.
installReactEffectTiming();

// @tauri-apps/api's mocks need WebCrypto's getRandomValues, which jsdom lacks.
if (!globalThis.crypto?.getRandomValues) {
  Object.defineProperty(globalThis, 'crypto', {
    value: { getRandomValues: (buffer: NodeJS.ArrayBufferView) => randomFillSync(buffer) },
  });
}

afterEach(() => {
  cleanup();
  clearMocks();
});
