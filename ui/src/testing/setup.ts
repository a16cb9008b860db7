import '@testing-library/jest-dom/vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup } from '@testing-library/react';
import { randomFillSync } from 'node:crypto';
import { afterEach } from 'vitest';

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
