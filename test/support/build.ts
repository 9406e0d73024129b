/**
 * The service compiled once, laid out as `npm run build` lays out dist/: TypeScript's per-file
 * emit with tsconfig.build.json's options, which is tsc's output under `isolatedModules` (the
 * type check is `npm run check`'s; test/production.test.ts checks the build's rootDir).
 * test/production.test.ts starts this build as production does, and the tests that start the
 * service or the CLI as a process of their own run it too: a start through tsx cost about twice
 * the CPU of a compiled one, a dozen times a run. `npm start` itself keeps its tsx start
 * (test/derived/npm-start.test.ts).
 *
 * Made by the first test that needs it, in its worker, beside the other files (not in global
 * set-up, where every file would wait for it), and kept under node_modules/.cache by a hash of
 * everything it is made from (cached-build.ts): a warm run, or another worker, reuses it. Never
 * in dist/, which the `quick-photos` bin prefers when fresh. Compiled files there resolve
 * packages from the checkout's node_modules, as dist/'s do.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { cachedBuild } from './cached-build.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CACHE = join(ROOT, 'node_modules/.cache/service-test-build');
const BUILD_CONFIG = join(ROOT, 'tsconfig.build.json');

function buildOptions(): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(BUILD_CONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error('tsconfig.build.json does not parse');
  return parsed;
}

type Sources = [file: string, text: string][];

/** Every source file of the build with its text, read once for both the hash and the emit. */
async function readSources(parsed: ts.ParsedCommandLine): Promise<Sources> {
  const files = [...parsed.fileNames].sort();
  return Promise.all(files.map(async (file): Promise<[string, string]> => [file, await readFile(file, 'utf8')]));
}

/** What the build is made from: every source file, the compiler options and the compiler. */
function inputsHash(parsed: ts.ParsedCommandLine, sources: Sources): string {
  const hash = createHash('sha256').update(ts.version).update('\0').update(JSON.stringify(parsed.options)).update('\0');
  for (const [file, text] of sources) hash.update(relative(ROOT, file)).update('\0').update(text).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Every source file emitted into `outDir` as tsc lays them out; throws on any diagnostic. */
async function compile(parsed: ts.ParsedCommandLine, sources: Sources, outDir: string): Promise<void> {
  const rootDir = join(ROOT, 'src');
  for (const [file, text] of sources) {
    const out = join(outDir, relative(rootDir, file)).replace(/\.ts$/, '.js');
    const { outputText, diagnostics } = ts.transpileModule(text, {
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

let built: Promise<string> | undefined;

/** The compiled service's directory: `<dir>/main.js`, `<dir>/cli/main.js`, as in dist/. */
export function serviceBuild(): Promise<string> {
  built ??= (async () => {
    const parsed = buildOptions();
    const sources = await readSources(parsed);
    return cachedBuild(CACHE, inputsHash(parsed, sources), 'main.js', (dir) => compile(parsed, sources, dir));
  })();
  return built;
}

/** `node <this>` starts the service, as `node dist/main.js` does in production. */
export const compiledService = async (): Promise<string> => join(await serviceBuild(), 'main.js');

/** `node <this> ...args` is the operator CLI, as the `quick-photos` bin runs a fresh dist/. */
export const compiledCli = async (): Promise<string> => join(await serviceBuild(), 'cli/main.js');

/** A module of the compiled service by its source path under src/ (`engine/embedded.ts`), for a script run with `node -e`. */
export const compiledModule = async (source: string): Promise<string> => join(await serviceBuild(), source.replace(/\.ts$/, '.js'));
