/** Table administration and bulk load: `table create|add-index|describe|delete`, `load`. */
import { access, constants } from 'node:fs/promises';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { addInvertedIndex, createTable, deleteTable, describeTable, ensureDerivedTable, ensureTable } from '../../admin/table.js';
import { TTL_ATTRIBUTE } from '../../schema/table.js';
import { fileLines, loadItems, streamLines, type LoadProgress } from '../../admin/load.js';
import { INVERTED_INDEX } from '../../schema/keys.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { examples, integer } from '../options.js';

/** Items in a file, for the progress bar's total. */
async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const line of fileLines(path)) if (line.trim() !== '') n++;
  return n;
}

export function register(program: Command, ctx: CliContext): void {
  const table = program.command('table').description('create, index, describe or delete the table');

  examples(
    table
      .command('create')
      .description('create the table (PK/SK strings, on demand) and wait until it is ACTIVE')
      .option('--with-index', `also add ${INVERTED_INDEX} (otherwise: table add-index)`),
    ['table create', 'table create --with-index --table my-photos'],
  ).action(async (options: { withIndex?: boolean }) => {
    const client = await ctx.client();
    const created = await createTable(client, ctx.table);
    // Feeds, activity and the directory live in `<table>-derived`; it always comes with the table.
    await ensureDerivedTable(client, ctx.table);
    const indexCreated = options.withIndex ? await addInvertedIndex(client, ctx.table) : undefined;
    ctx.print({ table: ctx.table, created, ...(indexCreated !== undefined ? { indexCreated } : {}) }, () => [
      created ? `Table ${ctx.table} created.` : `Table ${ctx.table} already exists.`,
      ...(indexCreated === undefined ? [] : [indexCreated ? `${INVERTED_INDEX} created and active.` : `${INVERTED_INDEX} already active.`]),
    ]);
  });

  examples(
    table
      .command('ensure')
      .description(`create whatever is missing: the table, ${INVERTED_INDEX} (waits until ACTIVE) TTL on ${TTL_ATTRIBUTE}, the stream and the derived table; the deployment step before the service starts`),
    ['table ensure', 'table ensure --table quick-photos-prod --endpoint https://dynamodb.eu-west-1.amazonaws.com'],
  ).action(async () => {
    const { createdTable: created, createdIndex: indexCreated, ttlEnabled, streamEnabled, derivedCreated } = await ensureTable(await ctx.client(), ctx.table);
    ctx.print({ table: ctx.table, created, indexCreated, ttlEnabled, streamEnabled, derivedCreated }, () => [
      created ? `Table ${ctx.table} created.` : `Table ${ctx.table} already exists.`,
      indexCreated ? `${INVERTED_INDEX} created and active.` : `${INVERTED_INDEX} already active.`,
      ttlEnabled ? `TTL enabled on ${TTL_ATTRIBUTE}.` : `TTL already enabled on ${TTL_ATTRIBUTE}.`,
      streamEnabled ? 'Stream enabled (NEW_AND_OLD_IMAGES).' : 'Stream already enabled.',
      derivedCreated ? `Derived table ${ctx.table}-derived created.` : `Derived table ${ctx.table}-derived already exists.`,
    ]);
  });

  examples(
    table.command('add-index').description(`add ${INVERTED_INDEX} (HASH SK, RANGE PK) and wait until it is ACTIVE and backfilled`),
    ['table add-index'],
  ).action(async () => {
    const created = await addInvertedIndex(await ctx.client(), ctx.table);
    ctx.print({ table: ctx.table, index: INVERTED_INDEX, created }, () => [
      created ? `${INVERTED_INDEX} created on ${ctx.table} and active.` : `${INVERTED_INDEX} already active on ${ctx.table}.`,
    ]);
  });

  examples(table.command('describe').description('show whether the table and its index exist, and their state'), [
    'table describe',
    'table describe --json',
  ]).action(async () => {
    const status = await describeTable(await ctx.client(), ctx.table);
    ctx.print({ table: ctx.table, ...status }, () =>
      status.exists
        ? [
            `Table ${ctx.table}: ${status.status ?? 'unknown'}`,
            `  ${INVERTED_INDEX}: ${status.index}`,
            // DynamoDB refreshes ItemCount only every few hours; say so rather than mislead.
            `  items (approximate): ${status.itemCount ?? 'unknown'}`,
          ]
        : [`Table ${ctx.table} does not exist.`],
    );
  });

  examples(table.command('delete').description('delete the table and all its items').option('--yes', 'confirm the deletion'), [
    'table delete --yes --table scratch',
  ]).action(async (options: { yes?: boolean }, command: Command) => {
    if (!options.yes) command.error(`error: this deletes table ${ctx.table} and every item in it; add --yes to confirm.`, { exitCode: 2 });
    const deleted = await deleteTable(await ctx.client(), ctx.table);
    ctx.print({ table: ctx.table, deleted }, () => [deleted ? `Table ${ctx.table} deleted.` : `Table ${ctx.table} did not exist.`]);
  });

  examples(
    program
      .command('load')
      .description('bulk-load a JSON-lines file of items (the lab\'s format) with BatchWriteItem; "-" reads stdin')
      .argument('<file>', 'JSON-lines file, one item per line, or - for standard input')
      .option('--concurrency <n>', 'BatchWriteItem requests in flight', integer(1, 64), 8),
    ['load ../shared/reference/quick-photos-items.json', 'generate --users 2000 | quick-photos load -'],
  ).action(async (file: string, options: { concurrency: number }) => {
    const lines = file === '-' ? streamLines(ctx.io.stdin) : fileLines(file);
    if (file !== '-') {
      // Fail before connecting (and maybe starting an engine) when the file is not there.
      await access(file, constants.R_OK).catch(() => {
        throw new CliError(`cannot read ${file}: no such file, or not readable.`);
      });
    }
    const db = await ctx.db();
    const tty = ctx.io.stderr.isTTY === true && !ctx.json;
    let bar: cliProgress.SingleBar | undefined;
    if (tty) {
      bar = new cliProgress.SingleBar(
        { stream: ctx.io.stderr, format: 'loading [{bar}] {percentage}% | {value}/{total} items', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(file === '-' ? 0 : await countLines(file), 0);
    }
    const onProgress = bar ? (p: LoadProgress) => bar.update(p.written) : undefined;
    let result;
    try {
      result = await loadItems(db.doc, db.table, lines, { concurrency: options.concurrency, ...(onProgress ? { onProgress } : {}) });
    } finally {
      bar?.stop();
    }
    for (const bad of result.badLines) ctx.warn(`${file}:${bad.line}: ${bad.error}`);
    ctx.print(result, () => [`Loaded ${result.written} items into ${db.table} (${result.read} lines read, ${result.badLines.length} bad).`]);
    if (result.badLines.length > 0) {
      throw new CliError(`${result.badLines.length} bad line${result.badLines.length === 1 ? '' : 's'} not loaded (listed above).`);
    }
  });
}
