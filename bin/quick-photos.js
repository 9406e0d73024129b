#!/usr/bin/env node
// The compiled CLI when there is an up-to-date build (always, once installed as a package);
// otherwise the TypeScript through tsx, so a checkout needs no build step.
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { cliEntry } from './entry.js';

const entry = cliEntry(fileURLToPath(new URL('..', import.meta.url)));
if (entry.kind === 'tsx') {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(pathToFileURL(entry.path).href);
