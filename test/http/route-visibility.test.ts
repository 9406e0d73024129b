/**
 * Route visibility is declared, not inferred: a route whose params name a user or a photo
 * (by their schemas, whatever the param is called) must say what it shows, or the server
 * does not start.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhotoId } from '../../src/http/schemas.js';
import { requireVisibility, type Visibility } from '../../src/http/visibility.js';
import { Username } from '../../src/schema/entities.js';
import { startApi, type Api } from './support.js';

/** A bare app with the check, and one route; resolves once it started (ready), rejects otherwise. */
async function start(register: (app: FastifyInstance) => void): Promise<void> {
  const app = Fastify();
  requireVisibility(app);
  try {
    register(app);
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

  it('a param that names neither needs no declaration', async () => {
    await expect(start((app) => app.get('/z/:shard', { schema: { params: Type.Object({ shard: Type.String() }) } }, () => ({})))).resolves.toBeUndefined();
  });
});

describe('the real app', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('every route either declares its visibility or names no user and no photo', () => {
    const routes = api.app.routeVisibility;
    const undeclared = routes.filter((r) => r.names.length > 0 && r.visibility === undefined);
    expect(undeclared).toEqual([]);
    // Not vacuous: the routes naming users and photos were seen, with what they declare.
    const byRoute = new Map(routes.map((r) => [r.route, r.visibility]));
    expect(byRoute.get('GET /v1/users/:username')).toEqual({ user: 'username', show: 'profile' });
    expect(byRoute.get('GET /v1/photos/:photoId/reactions')).toEqual({ photo: 'photoId', show: 'content' });
    expect(byRoute.get('PUT /v1/users/:username/followers/me')).toBe('write');
    expect(byRoute.get('PATCH /v1/users/:username')).toBe('self');
    expect(routes.filter((r) => r.names.length > 0).length).toBeGreaterThanOrEqual(25);
  });
});
