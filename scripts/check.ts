/**
 * `npm run check`: the type check and the lint in one process, on one TypeScript program per
 * tsconfig. The lint's typed rules ask the checker for types the type check has already worked
 * out; run apart (`npm run typecheck`, `npm run lint`), each process built and checked its own
 * programs, and on a fresh clone the lint's share alone cost about as much CPU as the whole
 * type check. Both keep their caches (the build info, the lint cache) where the separate
 * scripts keep them, so either way a warm checkout redoes only what changed.
 *
 * Started (package.json) with a 64 MB young generation and the garbage collector on this thread
 * only: the compiler's many short-lived objects were scavenged less often, and no helper thread
 * competed with the tests beside it for two cores. On a fresh clone, three alternating pairs:
 * 77 against 89 CPU s on average, less in every pair.
 *
 * A check that finds nothing records what it read (scripts/check-stamp.ts); the next one, when
 * nothing of that changed, says so and stops before loading either tool (`--force` checks anyway).
 *
 * Prints each tool's findings, then one line; exits non-zero when either finds anything.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type ts from 'typescript';
import { clearStamp, current, writeStamp } from './check-stamp.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CACHE = join(ROOT, 'node_modules/.cache');
const STAMP = join(CACHE, 'check/stamp.json');

const { now, upToDate } = current(ROOT, STAMP);
if (upToDate && !process.argv.includes('--force')) {
  process.stdout.write('type check: ok, lint: ok (nothing changed since the last clean check)\n');
  process.exit(0);
}
// Loaded only when there is something to check: the two tools alone take seconds to load.
const { default: typescript } = await import('typescript');
const { ESLint } = await import('eslint');

/** Each tsconfig the type check covers, with the build info `npm run typecheck` keeps for it. */
const PROJECTS = [
  { config: 'tsconfig.json', buildInfo: 'typecheck/root.tsbuildinfo' },
  { config: 'web/tsconfig.json', buildInfo: 'typecheck/web.tsbuildinfo' },
];

interface Checked {
  program: ts.Program;
  diagnostics: readonly ts.Diagnostic[];
}

function typeCheck(config: string, buildInfo: string): Checked {
  const tsBuildInfoFile = join(CACHE, buildInfo);
  mkdirSync(dirname(tsBuildInfoFile), { recursive: true });
  const unrecoverable: ts.Diagnostic[] = [];
  const parsed = typescript.getParsedCommandLineOfConfigFile(join(ROOT, config), { incremental: true, tsBuildInfoFile }, { ...typescript.sys, onUnRecoverableConfigFileDiagnostic: (d) => unrecoverable.push(d) });
  if (!parsed) throw new Error(`${config} does not parse: ${unrecoverable.map((d) => typescript.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  const builder = typescript.createIncrementalProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: parsed.errors, projectReferences: parsed.projectReferences });
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  // noEmit: writes the build info only, as `tsc --noEmit --incremental` does.
  builder.emit();
  return { program: builder.getProgram(), diagnostics };
}

const checked = PROJECTS.map(({ config, buildInfo }) => typeCheck(config, buildInfo));
const typeErrors = checked.flatMap((c) => c.diagnostics);
if (typeErrors.length > 0) {
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  const format = process.stdout.isTTY ? typescript.formatDiagnosticsWithColorAndContext : typescript.formatDiagnostics;
  process.stdout.write(`${format(typeErrors, host)}\n`);
}

// The typed rules read these programs instead of building their own (typescript-eslint's
// `programs`): every linted TypeScript file is in one of them, as the project service found.
// The lint cache keys its entries by the configuration's JSON, which a program has none of: it
// is named instead, so a cached result stays valid while the file's content does (as with the
// project service: see the README on what the cache cannot see).
const programs = Object.assign(
  checked.map((c) => c.program),
  { toJSON: () => 'the type check programs' },
);
const eslint = new ESLint({
  cwd: ROOT,
  cache: true,
  cacheLocation: join(CACHE, 'eslint/'),
  cacheStrategy: 'content',
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parserOptions: { projectService: false, programs } } }],
});
const results = await eslint.lintFiles(['.']);
const lintProblems = results.reduce((sum, r) => sum + r.errorCount + r.warningCount, 0);
if (lintProblems > 0) process.stdout.write(await (await eslint.loadFormatter('stylish')).format(results));

process.stdout.write(`type check: ${typeErrors.length === 0 ? 'ok' : `${typeErrors.length} errors`}, lint: ${lintProblems === 0 ? 'ok' : `${lintProblems} problems`}\n`);
const clean = typeErrors.length === 0 && lintProblems === 0;
if (clean) {
  const read = [...checked.flatMap((c) => c.program.getSourceFiles().map((f) => f.fileName)), ...results.map((r) => r.filePath)];
  writeStamp(ROOT, STAMP, now, read);
} else clearStamp(STAMP);
process.exit(clean ? 0 : 1);
