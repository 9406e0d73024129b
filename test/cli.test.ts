/** The operator CLI on the lab's reference data: the lab's outputs, errors and exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTable } from '../src/admin/table.js';
import { REFERENCE_ITEMS, testClients, uniqueTableName } from './support/db.js';
import { runCli } from './support/cli.js';

const table = uniqueTableName('cli');
let scratch: string | undefined;

afterAll(async () => {
  const { client } = testClients();
  await deleteTable(client, table);
  client.destroy();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(table, args);

describe('quick-photos CLI on the reference data', () => {
  it('creates the table and loads all 967 items', async () => {
    expect(await cli('table', 'create')).toMatchObject({ code: 0, out: `Table ${table} created.\n` });
    const load = await cli('load', REFERENCE_ITEMS);
    expect(load.code).toBe(0);
    expect(load.out).toContain('Loaded 967 items');
  });

  it("prints jacksonjason and 15 photos like the lab's script", async () => {
    const { code, out } = await cli('user', 'photos', 'jacksonjason', '--limit', '100');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('User<jacksonjason -- John Perry>');
    expect(lines.slice(1)).toHaveLength(15);
    expect(lines[1]).toBe('Photo<jacksonjason -- 2018-05-30T15:42:38>');
    expect(lines[15]).toBe('Photo<jacksonjason -- 2019-04-14T21:52:36>');
  });

  it('adds the index, then answers the index queries', async () => {
    expect((await cli('table', 'add-index')).code).toBe(0);
    const photo = await cli('photo', 'get', 'david25', '2019-03-02T09:11:30');
    expect(photo.out).toContain('Reaction<ylee -- PHOTO#david25#2019-03-02T09:11:30 -- smiley>');
    expect(photo.out.match(/^Reaction</gm)).toHaveLength(5);
    const following = await cli('following', 'haroldwatkins', '--enrich');
    expect(following.out).toContain('User<chasevang -- Leah Miller>');
    expect(following.out).toContain('User<tmartinez -- Kristin Stevens>');
    expect(following.out.trim().split('\n')).toHaveLength(10);
    const followers = await cli('followers', 'haroldwatkins', '--json');
    const page = JSON.parse(followers.out) as { items: { followingUser: string }[] };
    expect(page.items.map((f) => f.followingUser)).toHaveLength(12);
  });

  it("performs the lab's two writes once, and refuses them the second time", async () => {
    const react = ['react', 'kennedyheather', 'sunglasses', 'ppierce', '2019-04-14T08:09:34'];
    expect(await cli(...react)).toMatchObject({ code: 0, out: 'Added sunglasses reaction from kennedyheather\n' });
    const again = await cli(...react);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: REACTION_EXISTS: .+\n$/);
    expect(await cli('follow', 'john42', 'tmartinez')).toMatchObject({ code: 0, out: 'User john42 is now following user tmartinez\n' });
    expect((await cli('follow', 'john42', 'tmartinez')).err).toMatch(/^error: ALREADY_FOLLOWING/);
    expect((await cli('doctor')).out).toContain('Scanned 969 items');
  });

  it('reports bad lines with their line numbers and exits non-zero', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'qp-cli-'));
    const file = join(scratch, 'items.json');
    await writeFile(file, ['{"PK":"X#1","SK":"X#1"}', 'not json', '{"PK":"USER#a","SK":"#METADATA#a"}', ''].join('\n'));
    const load = await cli('load', file);
    expect(load.code).toBe(1);
    expect(load.err).toContain(`${file}:2: invalid JSON`);
    expect(load.err).toContain(`${file}:3: not a valid user item`);
  });

  it('exits 2 on usage errors and 1 with one line on domain errors', async () => {
    expect((await cli('followers')).code).toBe(2);
    expect((await cli('followers', 'x', '--limit', '0')).code).toBe(2);
    const missing = await cli('user', 'get', 'nobody');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('error: USER_NOT_FOUND: User nobody does not exist.\n');
  });

  it('runs as a real executable', () => {
    const result = spawnSync(process.execPath, ['bin/quick-photos.js', '--help'], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: quick-photos');
  });
});
