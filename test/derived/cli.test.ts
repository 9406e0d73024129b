/** The CLI runs the worker (`worker --once`), reports its lag, and shows a user's feed, activity and search results. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTable } from '../../src/admin/table.js';
import { ACTIVITY_PAGE_MAX, createCursorCodec, createUser, followUser, requestFollow, setPrivate, type Db } from '../../src/patterns/index.js';
import { REFERENCE_ITEMS, testClients, uniqueTableName } from '../support/db.js';
import { runCli } from '../support/cli.js';
import { referenceSlice } from './support.js';

const table = uniqueTableName('cli-derived');
// A slice of the reference (every user and follow, two photos each), as a file for `load`: the
// commands' output needs the reference's people and follows, not all its photos.
const dir = mkdtempSync(join(tmpdir(), 'qp-cli-derived-'));
const slice = referenceSlice(REFERENCE_ITEMS);
const sliceFile = join(dir, 'items.json');
writeFileSync(sliceFile, `${slice.join('\n')}\n`);

const cli = (...args: string[]) => runCli(table, args);

afterAll(async () => {
  const { client } = testClients();
  await deleteTable(client, table);
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI and the derived views', () => {
  it('creates the derived table with the table, and worker --once applies the whole stream', { timeout: 240_000 }, async () => {
    expect((await cli('table', 'create', '--with-index')).code).toBe(0);
    expect((await cli('load', sliceFile)).code).toBe(0);
    const once = await cli('worker', '--once', '--json');
    expect(once.code, once.err).toBe(0);
    const status = JSON.parse(once.out) as { lagSeconds: number; views: { view: string; processed: number }[] };
    expect(status.lagSeconds).toBe(0);
    expect(status.views.map((v) => [v.view, v.processed])).toEqual([
      ['feed', slice.length],
      ['activity', slice.length],
      ['directory', slice.length],
      ['explore', slice.length],
      ['people', slice.length],
      ['tags', slice.length],
      ['mentions', slice.length],
      ['events', slice.length],
      ['push', slice.length],
      ['comment-summary', slice.length],
    ]);
    // A second run resumes from the checkpoints: nothing to apply.
    const again = JSON.parse((await cli('worker', '--once', '--json')).out) as typeof status;
    expect(again.views.map((v) => v.processed)).toEqual(status.views.map(() => 0));
  });

  it('worker refuses a table that does not exist at once, saying how to create it (it used to retry forever, warning every few seconds)', async () => {
    for (const args of [['worker'], ['worker', '--once']]) {
      const missing = await runCli(uniqueTableName('cli-no-such'), args);
      expect(missing.code, args.join(' ')).not.toBe(0);
      expect(missing.err, args.join(' ')).toMatch(/does not exist; create it with `quick-photos table ensure/);
    }
  });

  it('worker status says when no worker is running', async () => {
    const status = await cli('worker', 'status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/is a worker running\?/);
    expect(status.out).toMatch(/Lambda consumer writes none: its lag is the mapping's IteratorAge/);
  });

  it("shows a user's feed, activity and search results", async () => {
    const feed = await cli('feed', 'haroldwatkins', '--limit', '3');
    expect(feed.code, feed.err).toBe(0);
    expect(feed.out.split('\n').filter((l) => l.startsWith('Photo<'))).toHaveLength(3);
    expect(feed.out).toMatch(/next cursor: /);
    const activity = await cli('activity', 'jacksonjason', '--json');
    expect(activity.code, activity.err).toBe(0);
    const body = JSON.parse(activity.out) as { items: { type: string }[]; unreadCount: number };
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.unreadCount).toBeGreaterThan(0);
    const search = await cli('search', 'john p', '--as', 'haroldwatkins');
    expect(search.out).toMatch(/User<jacksonjason -- John Perry> {2}\(followed\)/);
  });

  it('prints each activity type in words: a follow request is not a reaction', async () => {
    const clients = testClients();
    try {
      const db: Db = { doc: clients.doc, table, cursors: createCursorCodec('cli-test-cursor-secret-0123456789') };
      for (const username of ['cli-private', 'cli-public']) await createUser(db, { username, name: 'Someone', email: `${username}@example.com`, birthdate: '1990-01-01' });
      await setPrivate(db, 'cli-private', true);
      await requestFollow(db, 'haroldwatkins', 'cli-private');
      await followUser(db, 'haroldwatkins', 'cli-public');
    } finally {
      clients.destroy();
    }
    expect((await cli('worker', '--once')).code).toBe(0);
    const only = async (user: string) => {
      const run = await cli('activity', user);
      expect(run.code, run.err).toBe(0);
      return run.out.trimEnd().split('\n');
    };
    expect(await only('cli-private')).toEqual(['1 unread', expect.stringMatching(/^\* \S+ {2}User<haroldwatkins -- Michele Miles> asked to follow you$/)]);
    expect(await only('cli-public')).toEqual(['1 unread', expect.stringMatching(/^\* \S+ {2}User<haroldwatkins -- Michele Miles> followed you$/)]);
    const reactions = (await only('jacksonjason')).filter((l) => / reacted /.test(l));
    expect(reactions.length).toBeGreaterThan(0);
    for (const line of reactions) expect(line).toMatch(/ reacted \S+ to Photo<jacksonjason -- [^>]+>$/);
  });

  it('activity --limit takes the pattern\'s bound', async () => {
    expect((await cli('activity', 'jacksonjason', '--limit', String(ACTIVITY_PAGE_MAX))).code).toBe(0);
    const over = await cli('activity', 'jacksonjason', '--limit', String(ACTIVITY_PAGE_MAX + 1));
    expect(over.code).toBe(2);
    expect((await cli('activity', '--help')).out).toContain(`items per page (1-${ACTIVITY_PAGE_MAX},`);
  });
});
