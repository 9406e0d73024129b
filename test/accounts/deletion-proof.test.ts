/**
 * The deletion proof (issue 7, section 2): a user with N followers, N followed users
 * (N = 200, or 1,000 under PROOF_SCALE=full: several transactions' worth either way),
 * N/5 photos with their files, reactions given and received and a self-follow is deleted
 * while other users keep writing; the job is stopped part-way (step budget), audited (every
 * counter exact at that step), then run by the operator CLI in a child process that is
 * SIGKILLed mid-way, audited again, and resumed to the end: nothing of the user is left,
 * nothing else was lost, and `doctor` reports nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOnce } from '../../src/admin/doctor.js';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { deletePhotoFiles, deleteUserFiles } from '../../src/blobs/index.js';
import { DomainError } from '../../src/errors.js';
import {
  createSession,
  finishDeletion,
  followUser,
  reactToPhoto,
  removeReaction,
  resumeDeletions,
  signUp,
  startAccountDeletion,
  unfollowUser,
  uploadPhoto,
  verifyCredentials,
} from '../../src/patterns/index.js';
import { REACTION_TYPES } from '../../src/schema/entities.js';
import type { RawItem } from '../../src/schema/entity.js';
import { Friendship, Photo, Reaction, User } from '../../src/schema/entities/index.js';
import { keys, photoSk } from '../../src/schema/keys.js';
import { compiledCli } from '../support/build.js';
import { createTestDb, isAlive, type TestDb } from '../support/db.js';
import { engineEndpoint } from '../support/engine.js';
import { proofSize } from '../support/proofs.js';
import { waitFor } from '../support/wait.js';

const VICTIM = 'victim';
/** Followers and followed of the victim; every other size derives from it. */
const N = proofSize(200, 1000);
const USERS = (N * 3) / 2;
const PHOTOS = N / 5;
/** Transactions before the job is paused: mid-way through the friendships at either size. */
const PAUSE_AFTER_STEPS = (30 * N) / 1000;
const PASSWORD = 'victim passphrase 2024';
const name = (i: number) => `u${String(i).padStart(4, '0')}`;
const ts = (i: number) => `2020-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;

let db: TestDb;
let photosDir: string;
const blobs = () => createLocalBlobStore(photosDir);

async function writeAll(items: object[]): Promise<void> {
  const chunks: object[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  for (let i = 0; i < chunks.length; i += 8) {
    await Promise.all(
      chunks.slice(i, i + 8).map(async (chunk) => {
        let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.table]: pending } }));
          pending = (result.UnprocessedItems?.[db.table] ?? []) as typeof pending;
        }
      }),
    );
  }
}

/** What the audit finds besides the deletion in progress itself (which it reports as pending). */
const auditProblems = async () => (await auditOnce(db.doc, db.table)).problems.filter((p) => !(p.type === 'deletion-pending' && p.username === VICTIM));

async function victimItems(): Promise<RawItem[]> {
  const found: RawItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: db.table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of (page.Items ?? []) as RawItem[]) {
      const text = [item.PK, item.SK, item.username, item.reactingUser, item.followingUser, item.followedUser].map((v) => (typeof v === 'string' ? v : '')).join(' ');
      if (new RegExp(`\\b${VICTIM}\\b`).test(text)) found.push(item);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Other users writing all along: unfollowing the victim, reacting to its photos, following each other. */
function writers(signal: { stop: boolean }): Promise<number> {
  let applied = 0;
  const ignoreExpected = (error: unknown) => {
    if (error instanceof DomainError) return; // the photo went, the follow went: answers, not failures
    throw error;
  };
  const loops = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !signal.stop && i < 400; i++) {
      const n = (N * 6) / 5 + ((w * 53 + i) % (N / 4));
      await followUser(db, name(n), name(n + 1)).then(() => applied++, ignoreExpected);
      await unfollowUser(db, name(n), name(n + 1)).then(() => applied++, ignoreExpected);
      await unfollowUser(db, name((w * 97 + i * 7) % N), VICTIM).then(() => applied++, ignoreExpected);
      const target = { reactingUser: name(n), owner: VICTIM, timestamp: ts((i * 13) % PHOTOS), type: 'sunglasses' };
      await reactToPhoto(db, target).then(() => applied++, ignoreExpected);
      if (i % 2 === 0) await removeReaction(db, target).then(() => applied++, ignoreExpected);
    }
  });
  return Promise.all(loops).then(() => applied);
}

beforeAll(async () => {
  db = await createTestDb();
  photosDir = await mkdtemp(join(tmpdir(), 'qp-deletion-'));
  const account = await signUp(db, { username: VICTIM, name: 'Victim', email: 'victim@example.com', birthdate: '1990-01-01', password: PASSWORD });
  for (let i = 0; i < 3; i++) await createSession(db, VICTIM, 3600, account.accountId);

  const users = new Map<string, User>();
  for (let i = 0; i < USERS; i++) {
    users.set(name(i), { username: name(i), name: `User ${i}`, email: `${name(i)}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers: 0, following: 0 });
  }
  const items: object[] = [];
  const victim = { followers: 1, following: 1 }; // its self-follow counts on both sides
  items.push(Friendship.encode({ followedUser: VICTIM, followingUser: VICTIM, timestamp: ts(0) }));
  for (let i = 0; i < N; i++) {
    items.push(Friendship.encode({ followedUser: VICTIM, followingUser: name(i), timestamp: ts(0) }));
    users.get(name(i))!.following++;
    victim.followers++;
    items.push(Friendship.encode({ followedUser: name(i + N / 2), followingUser: VICTIM, timestamp: ts(0) }));
    users.get(name(i + N / 2))!.followers++;
    victim.following++;
  }
  // N/5 photos of the victim, with files; twice as many reactions received; 5 of its own.
  const store = blobs();
  const photos: Photo[] = [];
  for (let i = 0; i < PHOTOS; i++) {
    const location = await store.put(`${VICTIM}/p${i}.png`, Buffer.from([i % 256]), 'image/png');
    photos.push({ username: VICTIM, timestamp: ts(i), location, reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 } });
  }
  for (let i = 0; i < 2 * PHOTOS; i++) {
    const photo = photos[i % PHOTOS]!;
    const type = REACTION_TYPES[Math.floor(i / PHOTOS) % 2]!;
    items.push(Reaction.encode({ reactingUser: name(i), reactionType: type, photo: photoSk(VICTIM, photo.timestamp), timestamp: ts(1) }));
    photo.reactions[type]++;
  }
  for (let i = 0; i < 5; i++) {
    items.push(Reaction.encode({ reactingUser: VICTIM, reactionType: 'heart', photo: photoSk(VICTIM, photos[i]!.timestamp), timestamp: ts(1) }));
    photos[i]!.reactions.heart++;
  }
  // N/5 reactions given, on N/10 photos of others.
  for (let i = 0; i < N / 10; i++) {
    const photo: Photo = { username: name(N + i), timestamp: ts(i), location: 'file:///elsewhere.png', reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 } };
    for (const type of ['heart', 'smiley'] as const) {
      items.push(Reaction.encode({ reactingUser: VICTIM, reactionType: type, photo: photoSk(photo.username, photo.timestamp), timestamp: ts(2) }));
      photo.reactions[type]++;
    }
    items.push(Photo.encode(photo));
  }
  items.push(...photos.map(Photo.encode), ...[...users.values()].map(User.encode));
  await writeAll(items);
  await db.doc.send(
    new BatchWriteCommand({
      RequestItems: { [db.table]: [{ PutRequest: { Item: { ...User.encode({ username: VICTIM, name: 'Victim', email: 'victim@example.com', birthdate: '1990-01-01', address: '', status: '', interests: [], ...victim }) } } }] },
    }),
  );
  expect(await auditProblems()).toEqual([]);
}, 300_000);

afterAll(async () => {
  await db.drop();
  await rm(photosDir, { recursive: true, force: true });
});

describe(`deleting an account with ${N} followers, ${N} followed, ${PHOTOS} photos and reactions both ways`, () => {
  it('refuses log-in and every write from the moment it is marked', async () => {
    await startAccountDeletion(db, VICTIM);
    await expect(verifyCredentials(db, { username: VICTIM, password: PASSWORD })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(uploadPhoto(db, { username: VICTIM, location: 'file:///x.png' })).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    await expect(followUser(db, VICTIM, name((N * 7) / 5))).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    await expect(reactToPhoto(db, { reactingUser: VICTIM, owner: name(N), timestamp: ts(0), type: '+1' })).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    await expect(removeReaction(db, { reactingUser: VICTIM, owner: name(N), timestamp: ts(0), type: 'heart' })).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    await expect(followUser(db, name((N * 7) / 5), VICTIM)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(await auditProblems()).toEqual([]);
  });

  it('stops part-way with every counter exact, while others write', async () => {
    const signal = { stop: false };
    const writing = writers(signal);
    const outcome = await finishDeletion(db, VICTIM, { deleteFiles: (photo) => deletePhotoFiles(blobs(), photo), deleteUserFiles: (user) => deleteUserFiles(blobs(), user), maxSteps: PAUSE_AFTER_STEPS });
    signal.stop = true;
    expect(await writing).toBeGreaterThan(0);
    expect(outcome).toBe('paused');
    const user = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(VICTIM) }))).Item;
    expect(Number(user?.followers) + Number(user?.following)).toBeLessThan(2 * N + 2);
    expect(Number(user?.followers) + Number(user?.following)).toBeGreaterThan(0);
    expect(await auditProblems()).toEqual([]);
  }, 180_000);

  it('survives the operator CLI being SIGKILLed mid-job, then resumes to the end: nothing of the user is left, doctor is clean', async () => {
    const before = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(VICTIM), ConsistentRead: true }))).Item;
    const cli = spawn(process.execPath, [await compiledCli(), '--endpoint', engineEndpoint(), '--table', db.table, 'accounts', 'finish-deletions'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, PHOTOS_DIR: photosDir, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' },
      stdio: 'ignore',
    });
    try {
      // Kill it as soon as it has visibly made progress (and before it can have finished).
      await waitFor(
        async () => {
          const now = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(VICTIM), ConsistentRead: true }))).Item;
          return !now || now.followers !== before?.followers || now.following !== before?.following;
        },
        { what: 'the deletion job to make progress', timeoutMs: 60_000, intervalMs: 25 },
      );
      cli.kill('SIGKILL');
      await new Promise((resolve) => cli.once('exit', resolve));
    } finally {
      if (cli.pid !== undefined && isAlive(cli.pid)) cli.kill('SIGKILL');
    }
    const killed = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(VICTIM), ConsistentRead: true }))).Item;
    expect(killed?.deleting).toBeDefined(); // killed mid-way: the job was not done
    expect(await auditProblems()).toEqual([]);

    const signal = { stop: false };
    const writing = writers(signal);
    const result = await resumeDeletions(db, { deleteFiles: (photo) => deletePhotoFiles(blobs(), photo), deleteUserFiles: (user) => deleteUserFiles(blobs(), user) });
    signal.stop = true;
    await writing;
    expect(result).toEqual({ finished: [VICTIM], paused: [] });

    expect(await victimItems()).toEqual([]);
    expect(await readdir(join(photosDir, VICTIM)).catch(() => [])).toEqual([]);
    const report = await auditOnce(db.doc, db.table);
    expect(report.problems).toEqual([]);
    expect(report.users).toBe(USERS);
    // The name and the email are free again.
    await signUp(db, { username: VICTIM, name: 'New victim', email: 'VICTIM@example.com', birthdate: '1990-01-01', password: 'another fine passphrase' });
  }, 240_000);
});
