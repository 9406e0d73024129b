/**
 * package.json's `engines` says what really runs. The docs plugin (@fastify/swagger-ui, through
 * @fastify/static) require()s content-disposition 3, an ES module: that needs require(esm),
 * on by default from Node 20.19 and 22.12. Older Nodes fail at start, so the range excludes them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { startApi } from './http/support.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };

type Version = [number, number, number];
const parse = (text: string): Version => text.replace(/^v/, '').split('.').map(Number) as Version;
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of semver ranges `engines` uses: `||` of `^x.y.z` or `>=x.y.z`. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((part) => {
    const [, op, bound] = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(part) ?? [];
    if (!op || !bound) throw new Error(`unsupported range part "${part}"`);
    const b = parse(bound);
    return op === '>=' ? compare(v, b) >= 0 : v[0] === b[0] && compare(v, b) >= 0;
  });
}

describe('engines.node', () => {
  it('is satisfied by the Node running the tests', () => {
    expect(satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('excludes the Node versions without require(esm), and admits those with it', () => {
    for (const old of ['20.0.0', '20.18.3', '21.7.0', '22.11.0']) expect(satisfies(old, pkg.engines.node), old).toBe(false);
    for (const ok of ['20.19.0', '20.20.2', '22.12.0', '24.0.0']) expect(satisfies(ok, pkg.engines.node), ok).toBe(true);
  });

  it('loads the docs plugin and its ES-module dependency through require()', async () => {
    const require = createRequire(import.meta.url);
    const staticPlugin = require.resolve('@fastify/static', { paths: [require.resolve('@fastify/swagger-ui')] });
    expect(() => void createRequire(staticPlugin)('content-disposition')).not.toThrow();
    const api = await startApi();
    try {
      const docs = await api.call('GET', '/docs/');
      expect(docs.status).toBe(200);
      expect(docs.bytes.toString()).toContain('swagger');
    } finally {
      await api.close();
    }
  });
});
