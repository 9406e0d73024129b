/**
 * The OpenAPI document is a product: it lints clean, names every operation and type, and the
 * client generated from it (client/) is in sync with it and drives the real API with no casts.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/src/client/index.js';
import { followUser, getPhoto, getUser, listPhotoReactions, listUserPhotos, reactToPhoto, signUp, uploadPhoto } from '../../client/src/index.js';
import { openapiDocument } from '../../scripts/openapi.js';
import { CLIENT_DIR, generateClient } from '../../scripts/generate-client.js';
import { PNG_1x1, profile, startApi, type Api } from '../http/support.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content?: Record<string, unknown> };
}
type Paths = Record<string, Record<string, Operation>>;

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path, 'utf8'));
  }
  return files;
}

describe('the OpenAPI document', () => {
  let document: { paths: Paths };
  beforeAll(async () => {
    document = (await openapiDocument()) as { paths: Paths };
  });

  it('lints with no errors (Redocly recommended rules)', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
    expect(errors).toEqual([]);
    // The only warnings: the probes answer no 4xx, by design.
    const warnings = problems.filter((p) => p.severity === 'warn').map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}`);
    expect(warnings.every((w) => /^operation-4xx-response #\/paths\/~1(health|ready)\//.test(w)), warnings.join('\n')).toBe(true);
  });

  it('names every operation once, tags and summarises it, and states its security', () => {
    const ids: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(operation.tags?.length, where).toBeGreaterThan(0);
        expect(operation.summary, where).toBeTruthy();
        expect(operation.security, where).toBeDefined();
        ids.push(operation.operationId ?? '');
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes the request body of every operation that reads one, multipart included', () => {
    const upload = document.paths['/v1/users/{username}/photos']?.post;
    expect(Object.keys(upload?.requestBody?.content ?? {})).toEqual(['multipart/form-data']);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (method === 'post' || method === 'patch') expect(operation.requestBody, `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('leaves no key string and no storage location in the document', () => {
    expect(JSON.stringify(document)).not.toMatch(/USER#|PHOTO#|REACTION#|#FRIEND#|ACCOUNT#|SESSION#|pinnedImage|"location"/);
  });
});

describe('the generated client', () => {
  it('is in sync with the document (npm run client regenerates it)', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'qp-client-'));
    try {
      await generateClient(fresh);
      const expected = await filesUnder(fresh);
      const committed = await filesUnder(CLIENT_DIR);
      for (const name of committed.keys()) if (name === 'README.md') committed.delete(name);
      expect([...committed.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [name, text] of expected) expect(committed.get(name), `${name} is stale: run npm run client`).toBe(text);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  describe('drives the real API with its own types', () => {
    let api: Api;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(async () => {
      await api.close();
    });

    it('signs up, uploads, reads, reacts and follows', async () => {
      const anonymous = createClient({ baseUrl: api.url });
      const ann = await signUp({ client: anonymous, body: { ...profile('ann'), username: 'ann' }, throwOnError: true });
      const ben = await signUp({ client: anonymous, body: { ...profile('ben'), username: 'ben' }, throwOnError: true });
      const as = (token: string) => createClient({ baseUrl: api.url, auth: () => token });
      const annApi = as(ann.data.session.accessToken);
      const benApi = as(ben.data.session.accessToken);

      const uploaded = await uploadPhoto({
        client: annApi,
        path: { username: 'ann' },
        body: { file: new Blob([new Uint8Array(PNG_1x1)], { type: 'image/png' }) },
        throwOnError: true,
      });
      expect(uploaded.response.status).toBe(201);
      const photoId = uploaded.data.id;

      const listed = await listUserPhotos({ client: benApi, path: { username: 'ann' }, throwOnError: true });
      expect(listed.data.items.map((p) => p.id)).toEqual([photoId]);
      const reacted = await reactToPhoto({ client: benApi, path: { photoId, type: 'heart' }, throwOnError: true });
      expect(reacted.data).toMatchObject({ photoId, reactingUser: 'ben', reactionType: 'heart' });
      const photo = await getPhoto({ client: benApi, path: { photoId }, throwOnError: true });
      expect(photo.data.reactions.heart).toBe(1);
      const reactions = await listPhotoReactions({ client: annApi, path: { photoId }, throwOnError: true });
      expect(reactions.data.items.map((r) => r.reactingUser)).toEqual(['ben']);
      await followUser({ client: benApi, path: { username: 'ann' }, throwOnError: true });
      const annNow = await getUser({ client: benApi, path: { username: 'ann' }, throwOnError: true });
      expect(annNow.data.followers).toBe(1);

      // Errors come back typed, with the codes the operation lists.
      const missing = await getPhoto({ client: benApi, path: { photoId: `${photoId}A` } });
      expect(missing.response?.status).toBe(404);
      expect(missing.error?.error.code).toBe('PHOTO_NOT_FOUND');
    });
  });
});
