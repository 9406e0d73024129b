/** The run's compiled service (build.global.ts): what a test starts as a process of its own. */
import { join } from 'node:path';
import { inject } from 'vitest';

/** `node <this>` starts the service, as `node dist/main.js` does in production. */
export const compiledService = (): string => join(inject('serviceBuild'), 'main.js');

/** `node <this> ...args` is the operator CLI, as the `quick-photos` bin runs a fresh dist/. */
export const compiledCli = (): string => join(inject('serviceBuild'), 'cli/main.js');

/** A module of the compiled service by its source path under src/ (`engine/embedded.ts`), for a script run with `node -e`. */
export const compiledModule = (source: string): string => join(inject('serviceBuild'), source.replace(/\.ts$/, '.js'));
