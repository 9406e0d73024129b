/** `generate`: seeded sample data in the lab's JSON-lines format, to stdout or a file. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { GENERATE_DEFAULTS, generateItems } from '../../admin/generate.js';
import type { CliContext } from '../context.js';
import { examples, integer } from '../options.js';

interface GenerateFlags {
  users: number;
  photosPerUser: number;
  reactionsPerPhoto: number;
  followsPerUser: number;
  seed: number;
  out?: string;
}

/**
 * Writes respecting backpressure (100k lines never pile up in memory). A reader that goes
 * away (`generate | head`) ends the output quietly; any other write error is thrown.
 */
async function writeLines(out: Writable, lines: Iterable<string>): Promise<number> {
  let broken: Error | undefined;
  const stopped = new Promise<void>((resolve) => {
    out.once('error', (error: Error) => {
      broken = error;
      resolve();
    });
  });
  let n = 0;
  for (const line of lines) {
    if (broken) break;
    n++;
    if (!out.write(`${line}\n`)) await Promise.race([once(out, 'drain').catch(() => undefined), stopped]);
  }
  if (broken && (broken as NodeJS.ErrnoException).code !== 'EPIPE') throw broken;
  return n;
}

function* jsonLines(items: Iterable<unknown>): Generator<string> {
  for (const item of items) yield JSON.stringify(item);
}

export function register(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('generate')
      .description('write seeded sample data (users, photos, reactions, follows) as JSON lines, counters consistent')
      .requiredOption('--users <n>', 'number of users', integer(1, 1_000_000))
      .option('--photos-per-user <n>', 'average photos per user', integer(0, 1000), GENERATE_DEFAULTS.photosPerUser)
      .option('--reactions-per-photo <n>', 'average reactions per photo', integer(0, 1000), GENERATE_DEFAULTS.reactionsPerPhoto)
      .option('--follows-per-user <n>', 'average users each user follows', integer(0, 1000), GENERATE_DEFAULTS.followsPerUser)
      .option('--seed <n>', 'random seed: the same options and seed give the same file', integer(0, 2 ** 31 - 1), GENERATE_DEFAULTS.seed)
      .option('--out <file>', 'write to this file instead of standard output'),
    ['generate --users 50 > sample.json', 'generate --users 2000 --out big.json   # about 100,000 items', 'generate --users 100 | quick-photos load -'],
  ).action(async (flags: GenerateFlags) => {
    const items = generateItems({
      users: flags.users,
      photosPerUser: flags.photosPerUser,
      reactionsPerPhoto: flags.reactionsPerPhoto,
      followsPerUser: flags.followsPerUser,
      seed: flags.seed,
    });
    if (flags.out === undefined) {
      await writeLines(ctx.io.stdout, jsonLines(items));
      return;
    }
    const file = createWriteStream(flags.out);
    const written = await writeLines(file, jsonLines(items));
    await new Promise<void>((resolve, reject) => {
      file.once('error', reject);
      file.end(resolve);
    });
    ctx.print({ file: flags.out, items: written }, () => [`Wrote ${written} items to ${flags.out}.`]);
  });
}
