/**
 * Route visibility is declared, not inferred: a route whose params name a user or a photo
 * (by their schemas, whatever the param is called) must say what it shows, or the server
 * does not start.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhotoId } from '../../src/http/schemas.js';
import { installVisibility, requireVisibility, visibilityGuard, type Visibility } from '../../src/http/visibility.js';
import { errorHandlerPlugin } from '../../src/http/errors.js';
import { batchGet, blockUser, createUser, setPrivate } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { Username } from '../../src/schema/entities.js';
import { startApi, type Api } from './support.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

/**
 * A bare app with the check, and one route in a scope with the guard (or, `guard: false`,
 * without); resolves once it started (ready), rejects otherwise.
 */
async function start(register: (app: FastifyInstance) => void, options: { guard?: boolean } = {}): Promise<void> {
  const app = Fastify();
  requireVisibility(app);
  try {
    await app.register((scope, _options, done) => {
      if (options.guard !== false) installVisibility(scope, { ...api.db, doc: api.db.patterns });
      try {
        register(scope);
        done();
      } catch (error) {
        done(error as Error);
      }
    });
    await app.ready();
  } finally {
    await app.close();
  }
}

const owner = (visibility?: Visibility) => (app: FastifyInstance) =>
  app.get('/x/:owner', { schema: { params: Type.Object({ owner: Username }) }, ...(visibility ? { config: { visibility } } : {}) }, () => ({}));

describe('a route naming a user or a photo', () => {
  it('without a declaration stops the start, naming the route and the param, whatever the param is called', async () => {
    await expect(start(owner())).rejects.toThrow(/^Route GET \/x\/:owner: its params name a user or a photo \(:owner\) but it declares no visibility/);
    await expect(
      start((app) => app.delete('/y/:item/:n', { schema: { params: Type.Object({ item: PhotoId, n: Type.Integer() }) } }, () => ({}))),
    ).rejects.toThrow(/^Route DELETE \/y\/:item\/:n: .*\(:item\)/);
  });

  it('with a declaration that fits starts; one that does not fit stops the start', async () => {
    await expect(start(owner({ user: 'owner', show: 'content' }))).resolves.toBeUndefined();
    await expect(start(owner('self'))).resolves.toBeUndefined();
    // The declared param must be one that names what the declaration says.
    await expect(start(owner({ photo: 'owner', show: 'content' }))).rejects.toThrow(/:owner is not a photo id param/);
    await expect(start(owner({ user: 'other', show: 'profile' }))).rejects.toThrow(/:other is not a Username param/);
    // A read declared on a write, or a write on a read.
    await expect(start(owner('write'))).rejects.toThrow(/'write' is declared on a read/);
    await expect(
      start((app) => app.put('/x/:owner', { schema: { params: Type.Object({ owner: Username }) }, config: { visibility: { user: 'owner', show: 'content' } } }, () => ({}))),
    ).rejects.toThrow(/content read is declared on a write/);
  });

  it('a declared read outside the guard\'s scope stops the start', async () => {
    await expect(start(owner({ user: 'owner', show: 'content' }), { guard: false })).rejects.toThrow(/^Route GET \/x\/:owner: declares a read but no visibility guard covers it/);
    await expect(start(owner('self'), { guard: false })).resolves.toBeUndefined();
  });

  it('a param that names neither needs no declaration', async () => {
    await expect(start((app) => app.get('/z/:shard', { schema: { params: Type.Object({ shard: Type.String() }) } }, () => ({})))).resolves.toBeUndefined();
  });
});

/** An app with the guard installed over `routes`; the viewer is whoever the x-viewer header names (it stands in for the authenticator). */
async function guardedApp(db: Parameters<typeof installVisibility>[1], routes: (scope: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify();
  requireVisibility(app);
  await app.register(errorHandlerPlugin);
  await app.register((scope, _options, done) => {
    scope.decorateRequest('username', '');
    scope.addHook('onRequest', (request, _reply, next) => {
      request.username = String(request.headers['x-viewer']);
      next();
    });
    installVisibility(scope, db);
    routes(scope);
    done();
  });
  return app;
}

describe('the guard follows the declaration, whatever the param is called', () => {
  it('a read of :owner\'s content is refused for a private account, and 404 for a blocker', async () => {
    const db = { ...api.db, doc: api.db.patterns };
    const user = (username: string) => createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01' });
    for (const name of ['closed', 'blocker', 'open', 'looker']) await user(name);
    await setPrivate(db, 'closed', true);
    await blockUser(db, 'blocker', 'looker');
    const app = await guardedApp(db, (scope) => {
      scope.get('/x/:owner', { schema: { params: Type.Object({ owner: Username }) }, config: { visibility: { user: 'owner', show: 'content' } } }, () => ({ ok: true }));
    });
    try {
      const get = async (owner: string) => {
        const answer = await app.inject({ method: 'GET', url: `/x/${owner}`, headers: { 'x-viewer': 'looker' } });
        return [answer.statusCode, answer.json<{ error?: { code?: string } }>().error?.code];
      };
      expect(await get('closed')).toEqual([403, 'PRIVATE_ACCOUNT']);
      expect(await get('blocker')).toEqual([404, 'USER_NOT_FOUND']);
      expect(await get('open')).toEqual([200, undefined]);
    } finally {
      await app.close();
    }
  });
});

describe('a batched read (the guard\'s keys in the handler\'s own BatchGetItem)', () => {
  it('answers as the guard does once the handler decides them; a 2xx answer without that decision is refused', async () => {
    const db = { ...api.db, doc: api.db.patterns };
    const user = (username: string) => createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01' });
    for (const name of ['shut', 'wide', 'peer']) await user(name);
    await setPrivate(db, 'shut', true);
    const app = await guardedApp(db, (scope) => {
      const config = { visibility: { photo: 'photo', show: 'content', batched: true } as const };
      scope.get('/p/:photo', { schema: { params: Type.Object({ photo: PhotoId }) }, config }, async (request) => {
        const guard = visibilityGuard(request);
        if (guard && request.headers['x-decide'] !== 'no') await guard.decide(await batchGet(db, 'test', guard.keys));
        return { shown: 'what the handler read' };
      });
    });
    try {
      const get = async (owner: string, decide = true) => {
        const answer = await app.inject({ method: 'GET', url: `/p/${photoId(owner, '2019-03-03T18:20:10')}`, headers: { 'x-viewer': 'peer', ...(decide ? {} : { 'x-decide': 'no' }) } });
        return [answer.statusCode, answer.json<{ error?: { code?: string }; shown?: string }>().error?.code ?? answer.json<{ shown?: string }>().shown];
      };
      expect(await get('shut')).toEqual([403, 'PRIVATE_ACCOUNT']);
      expect(await get('wide')).toEqual([200, 'what the handler read']);
      expect((await get('wide', false))[0]).toBe(500);
    } finally {
      await app.close();
    }
  });
});

describe('the real app', () => {
  it('every route either declares its visibility or names no user and no photo', () => {
    const routes = api.app.routeVisibility;
    const undeclared = routes.filter((r) => r.names.length > 0 && r.visibility === undefined);
    expect(undeclared).toEqual([]);
    // Not vacuous: the routes naming users and photos were seen, with what they declare.
    const byRoute = new Map(routes.map((r) => [r.route, r.visibility]));
    expect(byRoute.get('GET /v1/users/:username')).toEqual({ user: 'username', show: 'profile' });
    expect(byRoute.get('GET /v1/photos/:photoId/reactions')).toEqual({ photo: 'photoId', show: 'content' });
    expect(byRoute.get('GET /v1/photos/:photoId')).toEqual({ photo: 'photoId', show: 'content', batched: true });
    expect(byRoute.get('PUT /v1/users/:username/followers/me')).toBe('write');
    expect(byRoute.get('PATCH /v1/users/:username')).toBe('self');
    expect(routes.filter((r) => r.names.length > 0).length).toBeGreaterThanOrEqual(25);
  });
});
