/**
 * What the first screen costs: the JavaScript index.html loads (its module script and the
 * chunks it preloads). Chunks fetched later by a lazy screen or dialog are not counted.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function firstScreenScriptBytes(dir: string): Promise<{ bytes: number; files: string[] }> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<script[^>]+src="\/([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g)].map((m) => m[1] ?? m[2] ?? '');
  let bytes = 0;
  for (const file of files) bytes += (await stat(join(dir, file))).size;
  return { bytes, files };
}
