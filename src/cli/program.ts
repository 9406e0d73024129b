/**
 * The `quick-photos` operator CLI: builds the commander program from one module per command
 * group, runs it, and turns every failure into one line on stderr and an exit code
 * (0 ok, 1 failed, 2 usage error). Commands call src/patterns and src/admin only.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { EngineStartError } from '../engine/embedded.js';
import { DomainError } from '../errors.js';
import { mapEngineError } from '../patterns/index.js';
import { CorruptItemError } from '../schema/entity.js';
import { CliContext, type CliIo, type Env } from './context.js';
import { CliError } from './errors.js';
import { escapeControls } from './format.js';
import * as accounts from './commands/accounts.js';
import * as doctor from './commands/doctor.js';
import * as generate from './commands/generate.js';
import * as moderation from './commands/moderation.js';
import * as photos from './commands/photos.js';
import * as social from './commands/social.js';
import * as table from './commands/table.js';
import * as users from './commands/users.js';
import * as worker from './commands/worker.js';
import * as feed from './commands/feed.js';
import * as comments from './commands/comments.js';

interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/** Every command group, in help order; a new group is one more entry. */
const COMMANDS: CommandModule[] = [table, generate, users, photos, social, comments, accounts, moderation, doctor, feed, worker];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function buildProgram(io: CliIo, env: Env): { program: Command; ctx: CliContext } {
  const program = new Command('quick-photos');
  // Set before adding commands: subcommands inherit these.
  program
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)');
  program
    .description('Operate the quick-photos table: administration, bulk load, sample data and every access pattern.')
    .version('0.1.0', '-V, --version')
    .option('--table <name>', 'table name (default: TABLE_NAME or quick-photos)')
    .option('--endpoint <url>', 'DynamoDB endpoint (default: DYNAMODB_ENDPOINT, a running `npm start` engine, or the embedded engine)')
    .option('--json', 'print machine-readable JSON')
    .addHelpText(
      'after',
      `
Engine: with no --endpoint or DYNAMODB_ENDPOINT, commands use the engine of a running
\`npm start\` (registered in DATA_DIR/engine.json), else start the embedded one on DATA_DIR.

Examples:
  $ quick-photos table create --with-index
  $ quick-photos load ../shared/reference/quick-photos-items.json
  $ quick-photos user photos jacksonjason
  $ quick-photos following haroldwatkins --enrich --json
  $ quick-photos <command> --help`,
    );
  const ctx = new CliContext(io, env, program);
  for (const module of COMMANDS) module.register(program, ctx);
  return { program, ctx };
}

function errorLine(error: unknown): { line: string; code: number } {
  if (error instanceof CliError) return { line: `error: ${error.message}`, code: error.exitCode };
  if (error instanceof DomainError) return { line: `error: ${error.code}: ${error.message}`, code: EXIT.failed };
  if (error instanceof ConfigError || error instanceof EngineStartError || error instanceof CorruptItemError) {
    return { line: `error: ${error.message.split('\n')[0] ?? error.name}`, code: EXIT.failed };
  }
  return { line: `error: ${error instanceof Error ? error.message : String(error)}`, code: EXIT.failed };
}

export interface RunOptions {
  io: CliIo;
  env?: Env;
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function run(argv: string[], options: RunOptions): Promise<number> {
  const { io, env = process.env } = options;
  const { program, ctx } = buildProgram(io, env);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the help or the usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const table = (() => {
      try {
        return ctx.table;
      } catch {
        return 'quick-photos';
      }
    })();
    const mapped = mapEngineError(error, table);
    const { line, code } = errorLine(mapped);
    // Messages can quote what a user or a file supplied.
    io.stderr.write(`${escapeControls(line)}\n`);
    if (env.QUICK_PHOTOS_DEBUG && mapped instanceof Error && !(mapped instanceof DomainError)) io.stderr.write(`${(mapped.stack ?? '').split('\n').map(escapeControls).join('\n')}\n`);
    return code;
  } finally {
    await ctx.close();
  }
}
