/**
 * Push notifications: the server's Web Push key (for the browser's subscribe), the caller's
 * devices (Web Push subscriptions, APNs and FCM tokens) and which activity kinds are pushed.
 * Sending is the derived engine's push view (src/derived/views/push.ts), never a request's work.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { configuredKinds } from '../../push/index.js';
import { deletePushDevice, deviceSummary, getPushPreferences, listPushDevices, registerPushDevice, setPushPreferences, type StoredDevice } from '../../patterns/index.js';
import { BEARER, perMinute, type RouteContext, type RouteOptions } from '../context.js';
import { errorsFor } from '../schemas.js';

const Base64Url = (max: number) => Type.String({ pattern: '^[A-Za-z0-9_-]+={0,2}$', minLength: 1, maxLength: max });

const WebSubscription = Type.Object(
  {
    kind: Type.Optional(Type.Literal('web')),
    endpoint: Type.String({ minLength: 1, maxLength: 1024, description: "The PushSubscription's endpoint (https, a browser push service)" }),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    keys: Type.Object({ p256dh: Base64Url(128), auth: Base64Url(64) }, { additionalProperties: false }),
  },
  { additionalProperties: false, title: 'WebPushSubscription', description: "A browser's PushSubscription.toJSON()" },
);
const TokenDevice = Type.Object(
  {
    kind: Type.Union([Type.Literal('apns'), Type.Literal('fcm')]),
    token: Type.String({ pattern: '^[A-Za-z0-9_:.-]+$', minLength: 8, maxLength: 4096, description: 'The APNs device token (hex) or FCM registration token' }),
  },
  { additionalProperties: false, title: 'PushTokenDevice' },
);

const DeviceView = Type.Object(
  {
    id: Type.String({ description: 'DELETE /v1/me/push/devices/{deviceId} removes it' }),
    kind: Type.Union([Type.Literal('web'), Type.Literal('apns'), Type.Literal('fcm')]),
    createdAt: Type.String({ format: 'date-time' }),
    service: Type.Optional(Type.String({ description: "A Web Push subscription's push service host (never its full endpoint or keys)" })),
    device: Type.Optional(Type.String({ description: 'The client that registered it ("Firefox on Linux")' })),
    current: Type.Boolean({ description: 'Registered by the session making this request' }),
  },
  { title: 'PushDevice' },
);

const Kinds = Type.Record(Type.String({ pattern: '^[a-z][a-z-]{0,31}$' }), Type.Boolean(), { maxProperties: 32 });
const Preferences = Type.Object({ kinds: Kinds }, { additionalProperties: false, title: 'PushPreferences', description: 'Activity kinds pushed (true) or not (false); a kind not named is pushed' });

export const pushRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }: { ctx: RouteContext }, done) => {
  const { db, config } = ctx;
  const push = config.derived.push;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const view = (device: StoredDevice, session: string | undefined) => ({
    id: device.id,
    kind: device.kind,
    createdAt: device.createdAt,
    ...(device.endpoint ? { service: new URL(device.endpoint).hostname } : {}),
    ...(device.device ? { device: device.device } : {}),
    current: device.sessionId === session,
  });

  app.get(
    '/push/config',
    {
      schema: {
        operationId: 'getPushConfig',
        tags: ['push'],
        summary: 'What push this server sends: the device kinds it accepts and its Web Push (VAPID) public key',
        security: BEARER,
        response: {
          200: Type.Object(
            { kinds: Type.Array(Type.String()), vapidPublicKey: Type.Optional(Type.String({ description: 'applicationServerKey for PushManager.subscribe' })) },
            { title: 'PushConfig' },
          ),
          ...errorsFor({ 401: [], 503: [] }),
        },
      },
    },
    () => Promise.resolve({ kinds: configuredKinds(push), ...(push?.web ? { vapidPublicKey: push.web.publicKey } : {}) }),
  );

  app.post(
    '/me/push/devices',
    {
      ...writes,
      schema: {
        operationId: 'registerPushDevice',
        tags: ['push'],
        summary: 'Register this device for push notifications (bound to this session: logging it out removes the device)',
        description: `At most ${push?.devicesPerUser ?? 20} devices an account: past that the oldest is removed. Registering the same endpoint or token again replaces it.`,
        security: BEARER,
        body: Type.Union([WebSubscription, TokenDevice]),
        response: { 201: DeviceView, ...errorsFor({ 400: [], 401: [], 403: ['SESSION_ENDED'], 409: ['PUSH_UNAVAILABLE'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input = 'endpoint' in body ? { kind: 'web' as const, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth } : { kind: body.kind, token: body.token };
      const device = await registerPushDevice(db, request.username, request.sessionId, input, {
        webHosts: push?.webHosts ?? [],
        max: push?.devicesPerUser ?? 20,
        kinds: configuredKinds(push),
        device: deviceSummary(request.headers['user-agent'] ?? ''),
      });
      return reply.status(201).send(view(device, request.sessionId));
    },
  );

  app.get(
    '/me/push/devices',
    {
      schema: {
        operationId: 'listPushDevices',
        tags: ['push'],
        summary: 'Your devices registered for push, newest first (never their endpoints, keys or tokens)',
        security: BEARER,
        response: { 200: Type.Object({ items: Type.Array(DeviceView) }, { title: 'PushDeviceList' }), ...errorsFor({ 401: [], 503: [] }) },
      },
    },
    async (request) => ({ items: (await listPushDevices(db, request.username)).map((d) => view(d, request.sessionId)) }),
  );

  app.delete(
    '/me/push/devices/:deviceId',
    {
      ...writes,
      schema: {
        operationId: 'deletePushDevice',
        tags: ['push'],
        summary: 'Stop pushing to one of your devices',
        security: BEARER,
        params: Type.Object({ deviceId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'An id from GET /v1/me/push/devices' }) }),
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 404: ['PUSH_DEVICE_NOT_FOUND'], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await deletePushDevice(db, request.username, request.params.deviceId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me/push/preferences',
    {
      schema: {
        operationId: 'getPushPreferences',
        tags: ['push'],
        summary: 'Which activity kinds are pushed to your devices',
        security: BEARER,
        response: { 200: Preferences, ...errorsFor({ 401: [], 503: [] }) },
      },
    },
    async (request) => ({ kinds: await getPushPreferences(db, request.username) }),
  );

  app.put(
    '/me/push/preferences',
    {
      ...writes,
      schema: {
        operationId: 'setPushPreferences',
        tags: ['push'],
        summary: 'Switch activity kinds on or off for push (kinds not named keep their setting)',
        security: BEARER,
        body: Preferences,
        response: { 200: Preferences, ...errorsFor({ 400: [], 401: [], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request) => ({ kinds: await setPushPreferences(db, request.username, request.body.kinds) }),
  );
  done();
};
