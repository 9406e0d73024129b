/**
 * Compiles the service once for the run, laid out as `npm run build` lays out dist/: TypeScript's
 * per-file emit with tsconfig.build.json's options, which is tsc's output under
 * `isolatedModules` (the type check is `npm run typecheck`; `.ci/run` runs the real build too).
 * test/production.test.ts starts this build as production does, and the tests that start the
 * service or the CLI as a process of its own run it too: a start through tsx cost about twice
 * the CPU of a compiled one, a dozen times a run. `npm start` itself keeps its tsx start
 * (test/derived/npm-start.test.ts).
 *
 * Kept under node_modules/.cache by a hash of everything it is made from (cached-build.ts),
 * never in dist/, which the `quick-photos` bin prefers when fresh. Compiled files there resolve packages
 * from the checkout's node_modules, as dist/'s do.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import type { TestProject } from 'vitest/node';
import { cachedBuild } from './cached-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's compiled service: `<dir>/main.js` and `<dir>/cli/main.js`, as in dist/. */
    serviceBuild: string;
  }
}

const ROOT = new URL('../../', import.meta.url).pathname;
const CACHE = join(ROOT, 'node_modules/.cache/service-test-build');
const BUILD_CONFIG = join(ROOT, 'tsconfig.build.json');

function buildOptions(): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(BUILD_CONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error('tsconfig.build.json does not parse');
  return parsed;
}

/** What the build is made from: every source file, the compiler options and the compiler. */
async function inputsHash(parsed: ts.ParsedCommandLine): Promise<string> {
  const hash = createHash('sha256').update(ts.version).update('\0').update(JSON.stringify(parsed.options)).update('\0');
  for (const file of [...parsed.fileNames].sort()) hash.update(relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Every source file emitted into `outDir` as tsc lays them out; throws on any diagnostic. */
async function compile(parsed: ts.ParsedCommandLine, outDir: string): Promise<void> {
  const rootDir = join(ROOT, 'src');
  for (const file of parsed.fileNames) {
    const out = join(outDir, relative(rootDir, file)).replace(/\.ts$/, '.js');
    const { outputText, diagnostics } = ts.transpileModule(ts.sys.readFile(file) ?? '', {
      // The package is an ES module ("type": "module"), which transpileModule cannot look up: say so.
      compilerOptions: { ...parsed.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, sourceMap: false },
      fileName: file,
      reportDiagnostics: true,
    });
    if (diagnostics && diagnostics.length > 0) {
      throw new Error(`${relative(ROOT, file)} does not compile: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`);
    }
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, outputText);
  }
}

export async function setup(project: TestProject): Promise<void> {
  const parsed = buildOptions();
  project.provide('serviceBuild', await cachedBuild(CACHE, await inputsHash(parsed), 'main.js', (dir) => compile(parsed, dir)));
}
