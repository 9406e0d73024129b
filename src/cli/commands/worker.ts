/**
 * `worker`: the stream consumer as a process of its own (production runs one next to the API
 * instances, which then set WORKER=0), `worker --once` to catch up and exit, and
 * `worker status` to show how far behind the derived data is.
 */
import type { Command } from 'commander';
import { readHeartbeat } from '../../derived/heartbeat.js';
import { DEAD_LETTER_VIEWS, listDeadLetters, redrive, UNDECODABLE } from '../../derived/dead-letters.js';
import { findMissing, REBUILDABLE_VIEWS, type RebuildableView } from '../../admin/rebuild-derived.js';
import { assertTableReady } from '../../admin/table.js';
import { pushSummary } from '../../config/push.js';
import { derivedDb, discardDeadLetter } from '../../derived/store/index.js';
import { buildViews, createWorker } from '../../derived/worker.js';
import type { WorkerStatus } from '../../derived/status.js';
import { createLogger } from '../../log.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { examples } from '../options.js';

const lagText = (lag: number | null) => (lag === null ? 'unknown' : `${lag.toFixed(1)} s`);

function statusLines(status: WorkerStatus): string[] {
  return [
    `Lag behind the stream: ${lagText(status.lagSeconds)}`,
    ...status.views.map((v) => `  ${v.view.padEnd(10)} lag ${lagText(v.lagSeconds)}, ${v.processed} records applied${v.deadLetters ? `, ${v.deadLetters} set aside` : ''}${v.lastError ? ` (last error: ${v.lastError})` : ''}`),
  ];
}

export function register(program: Command, ctx: CliContext): void {
  const worker = examples(
    program
      .command('worker')
      .description('run the stream consumer: feeds, activity and the user directory follow the table (Ctrl-C stops)')
      .option('--once', 'apply everything written so far, print the status and exit'),
    ['worker', 'worker --once', 'worker status --json', 'worker dead-letters', 'worker redrive'],
  ).action(async (options: { once?: boolean }) => {
    const client = await ctx.client();
    const db = await ctx.db();
    const settings = ctx.config().derived;
    // On a table that is not there the worker would retry forever, a warning every few seconds:
    // its TableMissingError says so once, with the fix, as any command's error line (program.ts).
    await assertTableReady(client, db.table);
    if (options.once) {
      const once = createWorker({ client, db, settings, autoStart: false });
      try {
        await once.drain(10 * 60_000);
        const status = once.status();
        ctx.print(status, () => statusLines(status));
      } finally {
        await once.stop();
      }
      return;
    }
    // The service's log lines, on the command's error stream: its errors written out whole.
    const logger = createLogger({ destination: { write: (line: string) => ctx.warn(line.trimEnd()) } });
    const running = createWorker({ client, db, settings, logger });
    ctx.warn(`Worker running on table ${db.table} (fan-out threshold ${settings.fanoutThreshold} followers; ${pushSummary(settings.push)}). Ctrl-C stops.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    ctx.warn('Stopping: finishing the records in flight...');
    await running.stop();
    const status = running.status();
    ctx.print(status, () => statusLines(status));
  });

  examples(worker.command('dead-letters').description('stream records a view could not apply for a deterministic reason (set aside, not lost)'), [
    'worker dead-letters',
    'worker dead-letters --json',
  ]).action(async () => {
    const db = await ctx.db();
    const letters = await listDeadLetters(derivedDb(db), DEAD_LETTER_VIEWS);
    ctx.print(letters, () => [
      ...letters.map((l) => `${l.view.padEnd(10)} ${l.sequenceNumber}  ${l.change.event} ${l.change.key.PK} ${l.change.key.SK}  ${l.error}${l.redrives ? ` (redriven ${l.redrives}x)` : ''}`),
      letters.length === 0
        ? 'No dead letters.'
        : `${letters.length} dead letter${letters.length === 1 ? '' : 's'}: fix the cause, then \`quick-photos worker redrive\` (or \`worker discard\` one whose item was mended, or that did not decode).`,
    ]);
  });

  examples(
    worker
      .command('redrive')
      .description('re-apply the dead letters to their views (after fixing the cause); applied ones are removed')
      .option('--view <name>', 'only this view'),
    ['worker redrive', 'worker redrive --view directory'],
  ).action(async (options: { view?: string }) => {
    const db = await ctx.db();
    const views = buildViews(db, ctx.config().derived);
    if (options.view !== undefined && !views.some((v) => v.name === options.view)) {
      throw new CliError(`--view must be one of ${views.map((v) => v.name).join(', ')}; got "${options.view}".`);
    }
    const result = await redrive(derivedDb(db), views, options.view);
    ctx.print({ applied: result.applied.length, failed: result.failed.map((f) => ({ view: f.view, sequenceNumber: f.sequenceNumber, error: f.lastError })) }, () => [
      `Re-applied ${result.applied.length} dead letter${result.applied.length === 1 ? '' : 's'}.`,
      ...result.failed.map((f) => `still failing: ${f.view} ${f.sequenceNumber}: ${f.lastError}`),
    ]);
    if (result.failed.length > 0) throw new CliError(`${result.failed.length} dead letters still fail; they stay for another redrive.`);
  });

  examples(
    worker
      .command('discard')
      .description('drop one dead letter without applying it: its item was mended by hand, or its record cannot be decoded (view `stream`)')
      .argument('<view>', `a view, or ${UNDECODABLE} (records that did not decode)`)
      .argument('<sequenceNumber>', 'as `worker dead-letters` lists it')
      .option('--yes', 'confirm: the record is not applied'),
    ['worker discard stream 4900000000000000012345 --yes'],
  ).action(async (view: string, sequenceNumber: string, options: { yes?: boolean }) => {
    const db = await ctx.db();
    if (!DEAD_LETTER_VIEWS.includes(view)) throw new CliError(`<view> must be one of ${DEAD_LETTER_VIEWS.join(', ')}; got "${view}".`);
    if (!/^\d{1,64}$/.test(sequenceNumber)) throw new CliError(`<sequenceNumber> must be the digits \`worker dead-letters\` lists; got "${sequenceNumber}".`);
    if (options.yes !== true) throw new CliError('Discarding a dead letter drops its record for good: add --yes to confirm.');
    if (!(await discardDeadLetter(derivedDb(db), view, sequenceNumber))) throw new CliError(`No dead letter ${sequenceNumber} in view ${view}: see \`quick-photos worker dead-letters\`.`);
    ctx.print({ discarded: { view, sequenceNumber } }, () => [`Discarded dead letter ${sequenceNumber} of ${view}.`]);
  });

  examples(
    worker
      .command('rebuild')
      .description("re-derive a view's missing items from the table (feed entries and followed big accounts, or search tokens)")
      .argument('<view>', REBUILDABLE_VIEWS.join(' or '))
      .option('--user <username>', "only this user's feed or search tokens")
      .option('--dry-run', 'list what is missing, write nothing'),
    ['worker rebuild feed --user alice', 'worker rebuild directory --dry-run'],
  ).action(async (view: string, options: { user?: string; dryRun?: boolean }) => {
    if (!(REBUILDABLE_VIEWS as readonly string[]).includes(view)) throw new CliError(`<view> must be one of ${REBUILDABLE_VIEWS.join(', ')}; got "${view}".`);
    const report = await findMissing(await ctx.db(), ctx.config().derived, {
      views: [view as RebuildableView],
      ...(options.user ? { user: options.user } : {}),
      fix: options.dryRun !== true,
    });
    ctx.print(report, () => [
      ...report.missing.map((m) => `missing ${m.key.PK} / ${m.key.SK}: ${m.reason}`),
      `${report.expected} ${view} items expected, ${report.missing.length} missing${report.rebuilt ? `, ${report.rebuilt} re-derived` : ''}.`,
    ]);
  });

  examples(worker.command('status').description("the running worker's lag, from its heartbeat in the derived table"), ['worker status']).action(
    async () => {
      const status = await readHeartbeat(await ctx.db());
      ctx.print(status, () => [
        ...statusLines(status),
        status.stale
          ? `No recent heartbeat (last: ${status.updatedAt ?? 'never'}): is a worker running? (The Lambda consumer writes none: its lag is the mapping's IteratorAge.)`
          : `Heartbeat at ${status.updatedAt ?? ''}`,
      ]);
    },
  );
}
