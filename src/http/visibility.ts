/**
 * Blocks applied to every read, as two hooks on the signed-in scope (so that routes need not
 * repeat them, and routes added later are covered too):
 *  - preHandler: a GET (or HEAD, which Fastify answers with the GET route) naming another user (`:username`) or their photo (`:photoId`) first
 *    asks `viewOf` (one BatchGetItem). Blocked by that user, the viewer gets the same 404 as
 *    for an account or photo that does not exist; anything but the profile of a private
 *    account is 403 PRIVATE_ACCOUNT unless the viewer is an approved follower. The owner's
 *    item it read is kept on the request (`ownerView`), so the profile route answers from it
 *    without a second read.
 *  - onRoute: the routes the guard covers declare its error answers in their schemas (so the
 *    OpenAPI document lists them, and routes need not repeat them).
 *  - preSerialization: the lists that name other users (followers, following, reactions) drop
 *    the users the viewer blocked and those who blocked the viewer (`hiddenFrom`: nothing when
 *    the viewer blocks nobody and is blocked by nobody, else one BatchGetItem per page). A page
 *    may so hold fewer than `limit` items; its cursor is unchanged. One's own followers and following need no filter: a block ends the follows
 *    both ways in its transaction and refuses new ones.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { errors, isDomainError } from '../errors.js';
import { hiddenFrom, safetyErrors, viewOf, type OwnerView } from '../patterns/index.js';
import { parsePhotoId } from '../schema/ids.js';
import type { RouteContext } from './context.js';
import { errorsFor } from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the visibility guard when the request reads another user's content. */
    ownerView: OwnerView | undefined;
  }
}

/** The field naming "the other user" in each filtered list's items, by operationId. */
const FILTERED_LISTS: Record<string, string> = {
  listFollowers: 'followingUser',
  listFollowing: 'followedUser',
  listPhotoReactions: 'reactingUser',
};
/** Lists a block empties of the blocked user by itself, when they are the viewer's own. */
const OWN_LISTS_BLOCKS_EMPTY = new Set(['listFollowers', 'listFollowing']);

function target(request: FastifyRequest): { owner: string; photoId?: string } | undefined {
  const params = request.params as { username?: unknown; photoId?: unknown } | undefined;
  if (typeof params?.username === 'string') return { owner: params.username };
  if (typeof params?.photoId === 'string') {
    const ref = parsePhotoId(params.photoId);
    return ref ? { owner: ref.username, photoId: params.photoId } : undefined;
  }
  return undefined;
}

/** The one guarded read a private account shows everyone (so that they can ask to follow). */
const PROFILE = 'getUser';

/**
 * Declares what the guards may answer: PRIVATE_ACCOUNT on guarded GETs, ACCOUNT_SUSPENDED
 * (the acting-user condition, src/patterns/guards.ts) on every write; 403 codes the
 * route lists already are kept.
 */
function declareGuardErrors(routeOptions: RouteOptions): void {
  const schema = routeOptions.schema as { params?: { properties?: Record<string, unknown> }; response?: Record<string, unknown>; operationId?: string } | undefined;
  if (!schema?.response) return;
  const params = schema.params?.properties ?? {};
  const methods = ([] as string[]).concat(routeOptions.method);
  let code: string | undefined;
  if (!methods.includes('GET')) code = 'ACCOUNT_SUSPENDED';
  else if (schema.operationId !== PROFILE && ('username' in params || 'photoId' in params)) code = 'PRIVATE_ACCOUNT';
  if (!code) return;
  const existing = schema.response[403] as { allOf?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }[] } | undefined;
  const codes = existing?.allOf?.[1]?.properties?.error?.properties?.code?.enum ?? [];
  schema.response[403] = errorsFor({ 403: [...new Set([...codes, code])] })[403];
}

export function installVisibility(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  app.decorateRequest('ownerView', undefined);
  app.addHook('onRoute', declareGuardErrors);

  app.addHook('preHandler', async (request) => {
    // Fastify answers HEAD with the GET route's handler: it must pass the same guard.
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const found = target(request);
    if (!found || found.owner === request.username) return;
    try {
      request.ownerView = await viewOf(db, found.owner, request.username);
    } catch (error) {
      if (found.photoId !== undefined && isDomainError(error) && error.code === 'USER_NOT_FOUND') throw errors.unknownPhotoId(found.photoId);
      throw error;
    }
    if (!request.ownerView.maySeeContent && request.routeOptions.schema?.operationId !== PROFILE) throw safetyErrors.privateAccount(found.owner);
  });

  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    const operation = String(request.routeOptions.schema?.operationId);
    const field = FILTERED_LISTS[operation];
    if (!field || reply.statusCode !== 200 || typeof payload !== 'object' || payload === null) return payload;
    if (OWN_LISTS_BLOCKS_EMPTY.has(operation) && target(request)?.owner === request.username) return payload;
    const page = payload as { items?: unknown };
    if (!Array.isArray(page.items)) return payload;
    const items = page.items as Record<string, unknown>[];
    const names = items.map((item) => item[field]).filter((name): name is string => typeof name === 'string');
    const hidden = await hiddenFrom(db, request.username, names, request.ownerView?.viewerBlocking, request.ownerView?.viewerBlockedBy);
    if (hidden.size === 0) return payload;
    return { ...page, items: items.filter((item) => !hidden.has(item[field] as string)) };
  });
}
