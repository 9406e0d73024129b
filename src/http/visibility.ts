/**
 * Blocks and private accounts, applied from what each route declares in its config
 * (`config: { visibility }`: the onRoute + route config pattern of Fastify's plugin guide),
 * never inferred from parameter names or operation ids:
 *  - `{ user: param, show }` / `{ photo: param, show }`: a read of the user that `param` names
 *    (or of the owner of the photo it names). Unless the viewer is that user, a preHandler
 *    attached to the route asks `viewOf` (one BatchGetItem). Blocked by that user, the viewer
 *    gets the same 404 as for an account or photo that does not exist; `show: 'content'` of a
 *    private account is 403 PRIVATE_ACCOUNT unless the viewer is an approved follower
 *    (`'profile'`: the one read a private account shows everyone, so that they can ask to
 *    follow). The read is kept on the request (`ownerView`): the profile answers from it, and
 *    the lists of other users take the viewer's block counters from it (src/patterns/lists.ts
 *    hides the users the viewer blocks or is blocked by inside the list's own reads).
 *    `{ photo, show, batched: true }`: the same read, but its keys ride in the handler's own
 *    BatchGetItem (`visibilityGuard`, the photo screen) and are decided before anything read
 *    with them is used; a 2xx answer sent without that decision is refused.
 *  - `'self'`: the signed-in user's own account only (the handler refuses anyone else: assertSelf).
 *  - `'write'`: a write naming another user or photo; its transaction checks the blocks, the
 *    private mark and the acting user itself (src/patterns/safety/), so the guard reads nothing.
 * At start-up (onRoute), a route whose params name a user or a photo (their schemas carry the
 * mark of src/schema/names.ts, whatever the param is called) and declare nothing stops the
 * server, as does a declaration that does not fit its route or a declared read outside the
 * scope where `installVisibility` runs (onReady). Declared reads list the guard's
 * error answers in their schemas, and every write ACCOUNT_SUSPENDED (the acting-user condition).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { errors, isDomainError } from '../errors.js';
import { safetyErrors, viewOf, viewOfPlan, type Db, type OwnerView, type Plan, type ViewerBlocks } from '../patterns/index.js';
import { parsePhotoId } from '../schema/ids.js';
import { namedBy, type Named } from '../schema/names.js';
import { errorsFor } from './schemas.js';

/** What a read shows of its owner: the profile (to everyone not blocked) or the content (to followers of a private account). */
export type Shown = 'profile' | 'content';

/**
 * A route's visibility: which param names whose data it reads, or why it needs no guard read.
 * `batched`: the handler reads the guard's keys in its own BatchGetItem (`visibilityGuard`) and
 * decides them before anything of its answer; a 2xx answer sent without that decision is refused.
 */
export type Visibility = { user: string; show: Shown } | { photo: string; show: Shown; batched?: true } | 'self' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required when a param names a user or a photo (src/http/visibility.ts). */
    visibility?: Visibility;
  }
  interface FastifyRequest {
    /** Set by the visibility guard when the request reads another user's content. */
    ownerView: OwnerView | undefined;
    /** A `batched` route's guard, not yet decided: its handler reads the keys with its own (`visibilityGuard`). */
    pendingVisibility: Plan<Promise<void>> | undefined;
  }
  interface FastifyInstance {
    /** Every route registered after `requireVisibility`, with what it names and declares (for review and tests). */
    routeVisibility: readonly RouteVisibility[];
  }
}

export interface RouteVisibility {
  route: string;
  /** The params that name a user or a photo (by their schemas' mark). */
  names: string[];
  visibility: Visibility | undefined;
}

interface RouteSchema {
  params?: { properties?: Record<string, unknown> };
  response?: Record<string, unknown>;
}

const methodsOf = (route: RouteOptions): string[] => ([] as string[]).concat(route.method);
const isRead = (route: RouteOptions): boolean => methodsOf(route).every((method) => method === 'GET' || method === 'HEAD');
const routeName = (route: RouteOptions): string => `${methodsOf(route).join(',')} ${route.url}`;

/** The params whose schemas name a user or a photo. */
function namingParams(route: RouteOptions): Map<string, Named> {
  const properties = (route.schema as RouteSchema | undefined)?.params?.properties ?? {};
  return new Map(Object.entries(properties).flatMap(([param, schema]) => {
    const named = namedBy(schema);
    return named ? [[param, named] as const] : [];
  }));
}

/** A read's declared owner param and what it names; undefined for 'self' and 'write'. */
function readOf(visibility: Visibility | undefined): { param: string; names: Named; show: Shown; batched?: boolean } | undefined {
  if (typeof visibility !== 'object') return undefined;
  return 'user' in visibility ? { param: visibility.user, names: 'user', show: visibility.show } : { param: visibility.photo, names: 'photo', show: visibility.show, batched: visibility.batched === true };
}

/**
 * For every route registered on `app` from now on (onRoute): throws, so that the server does
 * not start, when a route naming a user or a photo declares no visibility, or declares one
 * that does not fit it; lists every route in `app.routeVisibility`.
 */
export function requireVisibility(app: FastifyInstance): void {
  const table: RouteVisibility[] = [];
  const reads: RouteOptions[] = [];
  app.decorate('routeVisibility', table);
  app.addHook('onRoute', (route) => {
    checkVisibility(route);
    table.push({ route: routeName(route), names: [...namingParams(route).keys()], visibility: route.config?.visibility });
    if (readOf(route.config?.visibility)) reads.push(route);
  });
  // A declared read outside the scope that installs the guard would be unguarded: refuse that too.
  app.addHook('onReady', (done) => {
    const unguarded = reads.find((route) => !guarded.has(route));
    done(unguarded ? new Error(`Route ${routeName(unguarded)}: declares a read but no visibility guard covers it (register it in the signed-in scope, src/http/app.ts).`) : undefined);
  });
}

/** The route options the guard attached its preHandler to (the same object every onRoute hook of a route sees). */
const guarded = new WeakSet<RouteOptions>();

function checkVisibility(route: RouteOptions): void {
  const visibility = route.config?.visibility;
  const named = namingParams(route);
  const refuse = (why: string) => {
    throw new Error(`Route ${routeName(route)}: ${why} (config.visibility, see src/http/visibility.ts).`);
  };
  if (visibility === undefined) {
    if (named.size > 0) refuse(`its params name a user or a photo (${[...named.keys()].map((p) => `:${p}`).join(', ')}) but it declares no visibility`);
    return;
  }
  const read = readOf(visibility);
  if (read) {
    if (!isRead(route)) refuse(`a ${read.show} read is declared on a write; declare 'write' or 'self'`);
    if (named.get(read.param) !== read.names) refuse(`the declared ${read.names} param :${read.param} is not a ${read.names === 'user' ? 'Username' : 'photo id'} param of this route`);
  } else if (visibility === 'write' && isRead(route)) {
    refuse(`'write' is declared on a read; declare what it shows`);
  }
}

/**
 * Declares what the guards may answer: PRIVATE_ACCOUNT on reads of content, ACCOUNT_SUSPENDED
 * (the acting-user condition, src/patterns/guards.ts) on every write; 403 codes the route
 * lists already are kept.
 */
function declareGuardErrors(route: RouteOptions): void {
  const schema = route.schema as RouteSchema | undefined;
  if (!schema?.response) return;
  let code: string | undefined;
  // As the published document has it: a GET's HEAD twin shares its schema, so reads list ACCOUNT_SUSPENDED too.
  if (!methodsOf(route).includes('GET')) code = 'ACCOUNT_SUSPENDED';
  else if (readOf(route.config?.visibility)?.show === 'content') code = 'PRIVATE_ACCOUNT';
  if (!code) return;
  const existing = schema.response[403] as { allOf?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }[] } | undefined;
  const codes = existing?.allOf?.[1]?.properties?.error?.properties?.code?.enum ?? [];
  schema.response[403] = errorsFor({ 403: [...new Set([...codes, code])] })[403];
}

/** The viewer's block counters from the guard's read, for a list of other users; undefined when the guard read nothing (the viewer's own content). */
export function viewerBlocks(request: FastifyRequest): ViewerBlocks | undefined {
  const view = request.ownerView;
  return view ? { blocking: view.viewerBlocking, blockedBy: view.viewerBlockedBy, ...(view.viewerBlockNames ? { names: view.viewerBlockNames } : {}) } : undefined;
}

const toArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

type Read = { param: string; names: Named; show: Shown };

/** Whose view the guard reads: undefined for one's own content or an id never issued (the handler answers PHOTO_NOT_FOUND, as for any unknown photo). */
function guardTarget(request: FastifyRequest, read: Read): { value: string; owner: string } | undefined {
  const value = (request.params as Record<string, unknown>)[read.param];
  if (typeof value !== 'string') return undefined;
  const ref = read.names === 'photo' ? parsePhotoId(value) : { username: value };
  return !ref || ref.username === request.username ? undefined : { value, owner: ref.username };
}

/** The guard's answer from the view (`view` throws USER_NOT_FOUND as `viewOf` does): `ownerView` set, or a refusal thrown. */
async function settle(request: FastifyRequest, read: Read, target: { value: string; owner: string }, view: () => OwnerView | Promise<OwnerView>): Promise<void> {
  try {
    request.ownerView = await view();
  } catch (error) {
    if (read.names === 'photo' && isDomainError(error) && error.code === 'USER_NOT_FOUND') throw errors.unknownPhotoId(target.value);
    throw error;
  }
  if (!request.ownerView.maySeeContent && read.show === 'content') throw safetyErrors.privateAccount(target.owner);
}

/**
 * A `batched` route's guard, for the handler's own BatchGetItem: its keys, and the decision
 * (`ownerView` set, or the guard's answer thrown), to be made before anything read with it is
 * used. Undefined when there is nothing to guard (one's own content).
 */
export function visibilityGuard(request: FastifyRequest): Plan<Promise<void>> | undefined {
  const pending = request.pendingVisibility;
  if (!pending) return undefined;
  return {
    keys: pending.keys,
    decide: async (found) => {
      await pending.decide(found);
      request.pendingVisibility = undefined;
    },
  };
}

/** The guard of the signed-in scope: each declared read gets its preHandler (HEAD, answered by the GET's handler, too). */
export function installVisibility(app: FastifyInstance, db: Db): void {
  app.decorateRequest('ownerView', undefined);
  app.decorateRequest('pendingVisibility', undefined);
  app.addHook('onRoute', (route) => {
    declareGuardErrors(route);
    const read = readOf(route.config?.visibility);
    if (!read) return;
    const guard = async (request: FastifyRequest) => {
      const target = guardTarget(request, read);
      if (!target) return;
      if (!read.batched) return settle(request, read, target, () => viewOf(db, target.owner, request.username));
      // Batched: the handler reads these keys with its own and decides them before its answer.
      const plan = viewOfPlan(target.owner, request.username);
      request.pendingVisibility = { keys: plan.keys, decide: (found) => settle(request, read, target, () => plan.decide(found)) };
    };
    route.preHandler = [...toArray(route.preHandler), guard];
    if (read.batched) {
      // A handler that never decided its guard answers nothing it read.
      const decided = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
        if (request.pendingVisibility && reply.statusCode < 300) throw new Error(`Route ${routeName(route)}: answered without deciding its visibility guard.`);
        return payload;
      };
      route.preSerialization = [...toArray(route.preSerialization), decided];
    }
    guarded.add(route);
  });
}
