/**
 * The Explore and people views on DynamoDB Local's real stream: a public photo becomes an
 * entry, going private, being suspended or deleting the photo takes entries away, coming
 * back restores the newest; follower counts move an account in the popular list; replaying
 * every record changes nothing; a partition is trimmed to its bound; doctor finds and removes
 * what the stream did not (an entry of a private author) and re-derives what is missing.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDerived } from '../../src/admin/doctor-derived.js';
import { loadConfig } from '../../src/config/index.js';
import { toChange } from '../../src/derived/records.js';
import { batchWrite, derivedDb } from '../../src/derived/store/index.js';
import { exploreView, exploreEntryItem } from '../../src/derived/views/explore.js';
import { buildViews, createWorker, type Worker } from '../../src/derived/worker.js';
import { createUser, deletePhoto, finishDeletion, followUser, setPrivate, startAccountDeletion, suspendUser, unsuspendUser, uploadPhoto } from '../../src/patterns/index.js';
import { derivedKeys, derivedRanges, EXPLORE_SHARDS, exploreShard } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { streamRecords } from './support.js';

const settings = { ...loadConfig({}).derived, pollMs: 50 };
let db: TestDb;
let worker: Worker;

const user = (username: string) => createUser(db, { username, name: `Name of ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01' });

/** Every Explore entry, as `<timestamp>#<author>`, newest first. */
async function explore(): Promise<string[]> {
  const derived = derivedDb(db);
  const all: string[] = [];
  for (let shard = 0; shard < EXPLORE_SHARDS; shard++) {
    const page = await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.exploreShard(shard).pk } }));
    all.push(...(page.Items ?? []).map((i) => String(i.SK)));
  }
  return all.sort().reverse();
}

async function people(list: 'popular' | 'active'): Promise<string[]> {
  const derived = derivedDb(db);
  const page = await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.people(list).pk }, ScanIndexForward: false }));
  return (page.Items ?? []).map((i) => String(i.SK));
}

async function derivedItems(): Promise<string[]> {
  const derived = derivedDb(db);
  const page = await derived.doc.send(new ScanCommand({ TableName: derived.table }));
  // Checkpoints, leases and heartbeats move with the worker; expiry times with the clock.
  return (page.Items ?? [])
    .filter((i) => /^(EXPLORE|PEOPLE)#/.test(String(i.PK)))
    .map((i) => `${String(i.PK)} ${String(i.SK)}`)
    .sort();
}

beforeAll(async () => {
  db = await createTestDb();
  worker = createWorker({ client: db.client, db, settings });
});

afterAll(async () => {
  await worker.stop();
  await db.drop();
});

const photos: Record<string, string[]> = { ann: [], pia: [] };

describe('the Explore view', () => {
  it('holds every public photo; going private or suspended takes them out, coming back restores them', async () => {
    await user('ann');
    await user('pia');
    for (const name of ['ann', 'pia']) for (let i = 0; i < 3; i++) photos[name]!.push((await uploadPhoto(db, { username: name, location: `file:///${name}${i}.png` })).timestamp);
    await worker.drain();
    const entries = (name: string) => photos[name]!.map((ts) => `${ts}#${name}`);
    expect(await explore()).toEqual([...entries('ann'), ...entries('pia')].sort().reverse());
    // One author's entries share one partition.
    const derived = derivedDb(db);
    const shard = await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.exploreShard(exploreShard('ann')).pk } }));
    expect((shard.Items ?? []).filter((i) => i.author === 'ann')).toHaveLength(3);

    await setPrivate(db, 'pia', true);
    await worker.drain();
    expect(await explore()).toEqual(entries('ann').sort().reverse());
    // A private author's new photo never enters.
    photos.pia!.push((await uploadPhoto(db, { username: 'pia', location: 'file:///pia3.png' })).timestamp);
    await worker.drain();
    expect(await explore()).toEqual(entries('ann').sort().reverse());
    await setPrivate(db, 'pia', false);
    await worker.drain();
    expect(await explore()).toEqual([...entries('ann'), ...entries('pia')].sort().reverse());

    await suspendUser(db, 'ann', 'spam');
    await worker.drain();
    expect(await explore()).toEqual(entries('pia').sort().reverse());
    await unsuspendUser(db, 'ann');
    await worker.drain();
    expect(await explore()).toEqual([...entries('ann'), ...entries('pia')].sort().reverse());
  });

  it('a deleted photo leaves it', async () => {
    const gone = photos.ann!.shift()!;
    await deletePhoto(db, 'ann', gone);
    await worker.drain();
    expect(await explore()).not.toContain(`${gone}#ann`);
    expect(await explore()).toHaveLength(photos.ann!.length + photos.pia!.length);
  });
});

describe('account deletion and a re-registered name', () => {
  it('a departing account leaves Explore at once; the name signed up again starts with nothing', async () => {
    await user('dora');
    const first = (await uploadPhoto(db, { username: 'dora', location: 'file:///dora.png' })).timestamp;
    await worker.drain();
    expect(await explore()).toContain(`${first}#dora`);
    await startAccountDeletion(db, 'dora');
    await worker.drain();
    expect((await explore()).filter((sk) => sk.endsWith('#dora'))).toEqual([]);
    expect(await finishDeletion(db, 'dora', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    await user('dora');
    await worker.drain();
    expect((await explore()).filter((sk) => sk.endsWith('#dora'))).toEqual([]);
    const again = (await uploadPhoto(db, { username: 'dora', location: 'file:///dora2.png' })).timestamp;
    await worker.drain();
    expect((await explore()).filter((sk) => sk.endsWith('#dora'))).toEqual([`${again}#dora`]);
  });
});

describe('the people view', () => {
  it('lists accounts by followers, moving them as the count changes, and by their newest photo', async () => {
    await user('cam');
    await followUser(db, 'cam', 'ann');
    await followUser(db, 'pia', 'ann');
    await followUser(db, 'ann', 'pia');
    await worker.drain();
    expect(await people('popular')).toEqual([derivedKeys.popularAccount('ann', 2).SK, derivedKeys.popularAccount('pia', 1).SK]);
    // cam has posted nothing; each poster once, at their newest photo.
    const posters = async () => (await people('active')).filter((sk) => !sk.endsWith('#dora'));
    expect(await posters()).toEqual([derivedKeys.activeAccount('pia', photos.pia!.at(-1)!).SK, derivedKeys.activeAccount('ann', photos.ann!.at(-1)!).SK].sort().reverse());
    const last = photos.ann!.pop()!;
    await deletePhoto(db, 'ann', last);
    await worker.drain();
    expect(await posters()).toContain(derivedKeys.activeAccount('ann', photos.ann!.at(-1)!).SK);
    expect(await posters()).toHaveLength(2);
    await suspendUser(db, 'pia', 'spam');
    await worker.drain();
    expect(await people('popular')).toEqual([derivedKeys.popularAccount('ann', 2).SK]);
    await unsuspendUser(db, 'pia');
    await worker.drain();
  });
});

describe('replay, bounds and doctor', () => {
  it('applying every record of the stream again changes nothing', async () => {
    const before = await derivedItems();
    const views = buildViews(db, settings);
    const records = [...(await streamRecords(db.client, db.table)).values()].flat();
    expect(records.length).toBeGreaterThan(20);
    for (const record of records) {
      const change = toChange(record);
      if (!change) continue;
      for (const view of views.filter((v) => v.name === 'explore' || v.name === 'people')) await view.apply(change);
    }
    expect(await derivedItems()).toEqual(before);
  });

  it('a partition keeps only its newest entries', async () => {
    const records = [...(await streamRecords(db.client, db.table)).values()].flat();
    const view = exploreView({ db, derived: derivedDb(db), settings }, { keep: 2, trimEvery: 1 });
    for (const record of records) {
      const change = toChange(record);
      if (change?.kind.kind === 'photo' && change.event === 'INSERT') await view.apply(change);
    }
    const after = await explore();
    for (const name of ['ann', 'pia']) {
      const mine = after.filter((sk) => sk.endsWith(`#${name}`));
      expect(mine.length).toBeLessThanOrEqual(2);
    }
    // The doctor re-derives what the trim removed (still a public photo within the view's lifetime).
    const audit = await auditDerived(db, { fix: true, settings });
    expect(audit.missing?.missing.filter((m) => m.view === 'explore').length).toBeGreaterThan(0);
    expect((await auditDerived(db, { settings })).missing?.missing.filter((m) => m.view === 'explore')).toEqual([]);
  });

  it('doctor removes an entry the stream would not have written: a private author\'s', async () => {
    await setPrivate(db, 'pia', true);
    await worker.drain();
    const stray = exploreEntryItem('pia', photos.pia![0]!);
    await batchWrite(derivedDb(db), [{ put: stray }]);
    const audit = await auditDerived(db, { fix: true, settings });
    expect(audit.problems.map((p) => p.type)).toContain('stray-explore-entry');
    expect(await explore()).not.toContain(String(stray.SK));
    expect((await auditDerived(db, { settings })).problems).toEqual([]);
  });
});
