/**
 * The web client's build: Preact with TypeScript, bundled by Vite into dist/web, which the
 * API serves as static files (`npm run build:web`; `npm start` builds it first). Asset names
 * carry a content hash, so the server may let browsers keep them forever. Each screen is its
 * own chunk (lazy routes in src/main.tsx): the first screen loads only what it shows.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const client = fileURLToPath(new URL('../client/src', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  // JSX, Preact's dev tools hooks in `vite dev` (left out of builds) and hot reload; no prerendering.
  plugins: [preact({ prerender: { enabled: false } })],
  resolve: {
    // The generated API client as a package (web/tsconfig.json's `paths` says the same to TypeScript).
    alias: [
      { find: /^@quick-photos\/client$/, replacement: `${client}/index.ts` },
      { find: /^@quick-photos\/client\/(.+)$/, replacement: `${client}/$1/index.ts` },
    ],
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Chunks stay small: the budget test in test/web holds the first screen's size.
    chunkSizeWarningLimit: 120,
    sourcemap: false,
  },
  logLevel: 'warn',
});
