/// <reference types="vitest/config" />
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // Preact runs the React code (react and react-dom are aliased to preact/compat): the same
  // components at a fraction of React's start-up cost (docs/PERFORMANCE.md). The react
  // packages stay installed for the libraries' peer dependencies; none of them is bundled.
  plugins: [preact()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  // Tauri serves the built files itself; relative paths keep them working from any origin.
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'safari15', outDir: 'dist', emptyOutDir: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.ts'],
    restoreMocks: true,
    // Tests render with Preact too, as shipped: the libraries that import React are inlined,
    // so that they go through the aliases (Testing Library in its ES build: its CommonJS one
    // would load react-dom itself).
    alias: { '@testing-library/react': '@testing-library/react/dist/@testing-library/react.esm.js' },
    server: { deps: { inline: ['@testing-library/react', '@tanstack/react-query', 'wouter'] } },
  },
});
