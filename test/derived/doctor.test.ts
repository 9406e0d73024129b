/**
 * doctor on the derived data: strays the worker could not have removed (it never saw their
 * source's deletion) are reported and repaired; what the views derived correctly is not.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../src/admin/load.js';
import { auditDerived } from '../../src/admin/doctor-derived.js';
import { loadConfig } from '../../src/config/index.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { buildViews } from '../../src/derived/worker.js';
import { deriveLoaded } from '../../src/admin/derive-initial.js';
import { findMissing } from '../../src/admin/rebuild-derived.js';
import { directoryItems } from '../../src/derived/views/directory.js';
import { getUser, listFollowers, uploadPhoto } from '../../src/patterns/index.js';
import { derivedKeys, keys } from '../../src/schema/keys.js';
import { createTestDb, REFERENCE_ITEMS, type TestDb } from '../support/db.js';
import { runCli } from '../support/cli.js';
import { feedOf, referenceSlice } from './support.js';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  // A slice of the reference (every user and follow, two photos each): strays, misses and
  // repairs are per item, so 40 photos' fan-outs prove them as the whole reference's 400 did.
  await loadItems(db.doc, db.table, referenceSlice(REFERENCE_ITEMS));
  // Derived as `npm start` derives a load, by the views' own code (initial.test.ts: exactly what
  // the worker derives from the stream), without reading the stream back.
  await deriveLoaded(db, (on) => buildViews(on, loadConfig({}).derived));
}, 180_000);

afterAll(async () => {
  await db.drop();
});

describe('doctor on derived data', () => {
  it('finds nothing stray in what the views derived from the reference data', async () => {
    const report = await auditDerived(db);
    expect(report.exists).toBe(true);
    expect(report.feedEntries).toBeGreaterThan(200);
    expect(report.activityItems).toBeGreaterThan(250);
    expect(report.directoryTokens).toBeGreaterThanOrEqual(20);
    expect(report.problems).toEqual([]);
  });

  it('reports and removes a feed entry for a photo that no longer exists and activity about a deleted user', async () => {
    const derived = derivedDb(db);
    // Behind the stream's back (no worker runs): a stray feed entry and activity by a user who is gone.
    const ghostPhoto = derivedKeys.feedEntry('haroldwatkins', 'jacksonjason', '2001-01-01T00:00:00');
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...ghostPhoto, author: 'jacksonjason' } }));
    const ghostFollow = derivedKeys.followActivity('haroldwatkins', '2001-01-01T00:00:00', 'nobody-here');
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...ghostFollow, type: 'follow', actor: 'nobody-here', at: '2001-01-01T00:00:00' } }));
    // A real photo of someone haroldwatkins does not follow, and a celebrity he does not follow.
    const unfollowedAuthor = derivedKeys.feedEntry('haroldwatkins', 'ylee', '2019-04-28T13:19:23');
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...unfollowedAuthor, author: 'ylee' } }));
    const unfollowedCelebrity = derivedKeys.celebrityFollow('haroldwatkins', 'ylee');
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: unfollowedCelebrity }));
    // A follow request answered while no worker ran: its activity item stays behind.
    const answeredRequest = derivedKeys.requestActivity('ylee', '2001-01-01T00:00:00', 'haroldwatkins');
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...answeredRequest, type: 'request', actor: 'haroldwatkins', at: '2001-01-01T00:00:00' } }));

    const report = await auditDerived(db);
    expect(report.problems.map((p) => [p.type, p.key])).toEqual(
      expect.arrayContaining([
        ['stray-feed-entry', ghostPhoto],
        ['stray-activity', ghostFollow],
        ['stray-feed-entry', unfollowedAuthor],
        ['stray-celebrity-follow', unfollowedCelebrity],
        ['stray-activity', answeredRequest],
      ]),
    );
    expect(report.problems).toHaveLength(5);
    const fixed = await auditDerived(db, { fix: true });
    expect(fixed.fixed).toBe(5);
    expect((await auditDerived(db)).problems).toEqual([]);
  });

  it('finds missing derived items (records never applied) and re-derives them: doctor --fix and worker rebuild', { timeout: 120_000 }, async () => {
    const settings = loadConfig({}).derived;
    expect((await findMissing(db, settings)).missing).toEqual([]);
    // No worker runs: a new photo reaches no feed, and a search token is lost.
    const photo = await uploadPhoto(db, { username: 'jacksonjason', location: 'file:///missing.png' });
    const followers = (await listFollowers(db, 'jacksonjason', { limit: 100 })).items.map((f) => f.followingUser).filter((f) => f !== 'jacksonjason');
    expect(followers.length).toBeGreaterThan(0);
    const user = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user('haroldwatkins') }));
    const token = directoryItems(user.Item)[0]!;
    const derived = derivedDb(db);
    await derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: { PK: token.PK, SK: token.SK } }));

    const report = await auditDerived(db, { settings });
    const missing = report.missing!.missing;
    expect(missing.filter((m) => m.view === 'feed').map((m) => m.key)).toEqual(
      expect.arrayContaining(['jacksonjason', ...followers].map((reader) => derivedKeys.feedEntry(reader, 'jacksonjason', photo.timestamp))),
    );
    expect(missing.filter((m) => m.view === 'feed')).toHaveLength(followers.length + 1);
    expect(missing.filter((m) => m.view === 'directory').map((m) => m.key)).toEqual([{ PK: token.PK, SK: token.SK }]);

    // One user's search tokens from the CLI, then everything else by doctor --fix.
    const rebuild = await runCli(db.table, ['worker', 'rebuild', 'directory', '--user', 'haroldwatkins']);
    expect(rebuild.code, rebuild.err).toBe(0);
    expect(rebuild.out).toMatch(/1 re-derived/);
    // The photo is missing from Explore too, and its author's active-list entry with it.
    expect(missing.filter((m) => m.view === 'explore' || m.view === 'people').map((m) => m.key)).toEqual(
      expect.arrayContaining([derivedKeys.exploreEntry('jacksonjason', photo.timestamp), derivedKeys.activeAccount('jacksonjason', photo.timestamp)]),
    );
    const fixed = await auditDerived(db, { fix: true, settings });
    expect(fixed.missing!.rebuilt).toBe(followers.length + 1 + 2);
    expect((await auditDerived(db, { settings })).missing!.missing).toEqual([]);
    for (const reader of followers) expect(await feedOf(db, reader)).toContain(`${photo.timestamp}#jacksonjason`);
    expect(await getUser(db, 'haroldwatkins')).toBeDefined();
  });
});
