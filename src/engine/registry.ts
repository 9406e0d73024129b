/**
 * Which engine a running service owns, so other processes (the CLI) use it instead of opening
 * the same on-disk files with a second DynamoDB Local, which is not safe.
 *
 * The service writes `<DATA_DIR>/engine.json` once its engine answers and removes it on
 * shutdown; a file left by a crashed service is ignored because its pid is gone.
 */
import { connect } from 'node:net';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface EngineInfo {
  endpoint: string;
  /** The process that owns the engine; the engine stops when it exits. */
  pid: number;
}

const FILE = 'engine.json';

export const engineInfoPath = (dataDir: string): string => join(dataDir, FILE);

export async function writeEngineInfo(dataDir: string, info: EngineInfo): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const path = engineInfoPath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  // Write then rename: a reader never sees half a file.
  await writeFile(temporary, JSON.stringify({ endpoint: info.endpoint, pid: info.pid }) + '\n');
  await rename(temporary, path);
}

/** The registered engine, or undefined when there is none or the file is unreadable. */
export async function readEngineInfo(dataDir: string): Promise<EngineInfo | undefined> {
  let text: string;
  try {
    text = await readFile(engineInfoPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<EngineInfo>;
    if (typeof value.endpoint !== 'string' || !Number.isInteger(value.pid)) return undefined;
    return { endpoint: value.endpoint, pid: value.pid as number };
  } catch {
    return undefined;
  }
}

/** Removes the registration, but only this process's own: a newer service may have replaced it. */
export async function clearEngineInfo(dataDir: string, pid: number = process.pid): Promise<void> {
  const info = await readEngineInfo(dataDir);
  if (info && info.pid !== pid) return;
  await rm(engineInfoPath(dataDir), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function answers(endpoint: string, timeoutMs: number): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((done) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) });
    socket.setTimeout(timeoutMs);
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

/** The registered engine if its owner is alive and it accepts connections; otherwise undefined. */
export async function liveEngine(dataDir: string, timeoutMs = 1_000): Promise<EngineInfo | undefined> {
  const info = await readEngineInfo(dataDir);
  if (!info || !processAlive(info.pid)) return undefined;
  return (await answers(info.endpoint, timeoutMs)) ? info : undefined;
}
