/**
 * What every command runs with: the streams it writes to, the configuration (environment plus
 * the global options), and one lazily opened connection that `close()` releases, engine included.
 */
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CURSOR_SECRET, loadConfig, type Config } from '../config/index.js';
import { connect, type Connection } from '../engine/client.js';
import { liveEngine } from '../engine/registry.js';
import { createCursorCodec, type Db, type Page } from '../patterns/index.js';
import { escapeControls, safeJson } from './format.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
}

export interface GlobalOptions {
  table?: string;
  endpoint?: string;
  json?: boolean;
}

export type Env = Record<string, string | undefined>;

export class CliContext {
  private connecting: Promise<Connection> | undefined;
  private cachedConfig: Config | undefined;

  constructor(
    readonly io: CliIo,
    private readonly env: Env,
    private readonly program: Command,
  ) {}

  get globals(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  /** The environment's configuration with --table and --endpoint applied (validated the same way). */
  config(): Config {
    const { table, endpoint } = this.globals;
    this.cachedConfig ??= loadConfig({
      ...this.env,
      ...(table !== undefined ? { TABLE_NAME: table } : {}),
      ...(endpoint !== undefined ? { DYNAMODB_ENDPOINT: endpoint, DYNAMODB_ENGINE: 'endpoint' } : {}),
    });
    return this.cachedConfig;
  }

  get table(): string {
    return this.config().tableName;
  }

  connection(): Promise<Connection> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  /**
   * The embedded default on the data directory is shared with `npm start`: DynamoDB Local
   * cannot safely open the same files twice, so a running service's engine is used when one
   * is registered, and only otherwise does the CLI start (and later stop) its own.
   */
  private async open(): Promise<Connection> {
    let config = this.config();
    if (config.engine === 'embedded' && !config.embeddedInMemory) {
      const live = await liveEngine(config.dataDir);
      if (live) config = { ...config, engine: 'endpoint', endpoint: live.endpoint, localCredentials: true };
      else if (this.io.stderr.isTTY) this.io.stderr.write(`Starting the embedded engine on ${config.dataDir}/ ...\n`);
    }
    return connect(config);
  }

  async db(): Promise<Db> {
    const connection = await this.connection();
    const config = this.config();
    return { doc: connection.patterns, table: config.tableName, cursors: createCursorCodec(config.cursorSecret ?? LOCAL_CURSOR_SECRET) };
  }

  async client(): Promise<DynamoDBClient> {
    return (await this.connection()).client;
  }

  /** Closes the clients and stops an engine this process started. */
  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (!pending) return;
    const connection = await pending.catch(() => undefined);
    await connection?.close();
  }

  /** One line of output; control characters in it (user-supplied text) print escaped. */
  line(text = ''): void {
    this.io.stdout.write(`${escapeControls(text)}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`${escapeControls(text)}\n`);
  }

  /** `--json` prints `value`; otherwise the human lines. */
  print(value: unknown, lines: () => string[]): void {
    if (this.json) this.io.stdout.write(`${safeJson(value)}\n`);
    else for (const text of lines()) this.line(text);
  }

  /** A page of a list: its items, then the cursor of the next page when there is one. */
  printPage<T>(page: Page<T>, format: (item: T) => string, head: string[] = []): void {
    this.print(page, () => [...head, ...page.items.map(format), ...cursorLine(page)]);
  }
}

/** The line that ends a page with a next one (none on the last page). */
export const cursorLine = (page: { nextCursor?: string | undefined }): string[] => (page.nextCursor ? [`next cursor: ${page.nextCursor}`] : []);
