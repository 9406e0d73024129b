/**
 * The web client's build: Preact with TypeScript, bundled by Vite into dist/web, which the
 * API serves as static files (`npm run build:web`; `npm start` builds it first). Asset names
 * carry a content hash, so the server may let browsers keep them forever.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: the budget test in test/web holds its size.
    chunkSizeWarningLimit: 120,
    sourcemap: false,
  },
  logLevel: 'warn',
});
