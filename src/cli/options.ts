/** Option parsers and help helpers shared by the commands. */
import { InvalidArgumentError, type Command } from 'commander';
import { MAX_PAGE_SIZE, type PageRequest } from '../patterns/index.js';

/** A parser for integer options; a bad value is a usage error (exit code 2). */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

export interface PageOptions {
  limit?: number;
  cursor?: string;
}

/** --limit and --cursor, the same on every list. */
export function paged(command: Command): Command {
  return command
    .option('--limit <n>', `items per page (1-${MAX_PAGE_SIZE}, default 20)`, integer(1, MAX_PAGE_SIZE))
    .option('--cursor <cursor>', 'continue a list where the previous page ended (its "next cursor")');
}

export const pageRequest = (options: PageOptions): PageRequest => ({ limit: options.limit, cursor: options.cursor });

export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ quick-photos ${l}`).join('\n')}\n`);
}
