/**
 * Local stand-ins for the push services, over real TLS with the test certificate
 * (test/fixtures/push-tls): they check what the real services check and answer as they do.
 *
 * - Web Push (HTTPS/1.1, as browsers' push services): verifies the VAPID JWT (RFC 8292:
 *   `vapid t=<jwt>, k=<key>`, ES256 by that key, aud = this origin, exp within 24 h), the
 *   TTL/Urgency/Topic headers, and decrypts the aes128gcm payload (RFC 8291) with the
 *   subscription's private key through `http_ece`.
 * - APNs (HTTP/2): the ES256 provider token (kid, iss, signed by the team's key), apns-topic,
 *   apns-push-type, apns-collapse-id; 410 Unregistered, 400 BadDeviceToken, 429 on demand.
 * - FCM (HTTP/2): the OAuth2 JWT-bearer grant (RS256 by the service account's key, aud = the
 *   token URL) and `messages:send` with the token it issued; 404 UNREGISTERED, 503 on demand.
 */
import { createECDH, createPublicKey, randomBytes, type ECDH, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createSecureServer, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';
import { jwtVerify, decodeProtectedHeader } from 'jose';

const FIXTURES = join(import.meta.dirname, '../fixtures/push-tls');
export const TLS = { key: readFileSync(join(FIXTURES, 'key.pem'), 'utf8'), cert: readFileSync(join(FIXTURES, 'cert.pem'), 'utf8') };

export interface Received {
  /** Subscription id (Web Push), device token (APNs) or registration token (FCM). */
  to: string;
  /** The decrypted (Web Push) or posted payload. */
  payload: Record<string, unknown>;
  headers: Record<string, string>;
  /** When the stand-in accepted it (epoch ms): the benchmark's end of a write-to-push. */
  at: number;
}

/** What the stand-in answers a destination before (or instead of) accepting: a status list consumed one per request. */
export type Script = Map<string, number[]>;

const listening = async (server: Server | Http2SecureServer): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

const next = (script: Script, to: string): number | undefined => script.get(to)?.shift();

/** A browser's push subscription: its ECDH key pair and auth secret, as PushManager makes them. */
export interface BrowserSubscription {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  ecdh: ECDH;
}

export interface WebPushService {
  origin: string;
  received: Received[];
  /** Failures the VAPID or header checks found (the test asserts none). */
  problems: string[];
  script: Script;
  subscribe(id: string): BrowserSubscription;
  close(): Promise<void>;
}

export async function startWebPushService(): Promise<WebPushService> {
  const received: Received[] = [];
  const problems: string[] = [];
  const script: Script = new Map();
  const subscriptions = new Map<string, BrowserSubscription>();
  let origin = '';
  const server = createHttpsServer(TLS, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void (async () => {
        const id = decodeURIComponent((request.url ?? '').replace(/^\/push\//, ''));
        const subscription = subscriptions.get(id);
        const scripted = next(script, id);
        if (scripted !== undefined) return void response.writeHead(scripted, scripted === 429 ? { 'retry-after': '0' } : {}).end();
        if (!subscription) return void response.writeHead(410).end();
        try {
          const header = String(request.headers.authorization ?? '');
          const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
          if (!match) throw new Error(`Authorization is not "vapid t=..., k=...": ${header}`);
          const raw = Buffer.from(match[2]!, 'base64url');
          if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
          const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
          const { payload, protectedHeader } = await jwtVerify(match[1]!, key, { audience: origin, algorithms: ['ES256'] });
          if (protectedHeader.typ !== 'JWT') throw new Error('VAPID JWT typ is not JWT');
          if (typeof payload.exp !== 'number' || payload.exp > Date.now() / 1000 + 24 * 3600) throw new Error('VAPID exp missing or more than 24 h away');
          if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) throw new Error('VAPID sub is not a mailto: or https: URL');
          const ttl = Number(request.headers.ttl);
          if (!Number.isInteger(ttl) || ttl < 0) throw new Error(`TTL header missing or bad: ${String(request.headers.ttl)}`);
          if (!['very-low', 'low', 'normal', 'high'].includes(String(request.headers.urgency))) throw new Error('Urgency header missing or bad');
          const topic = String(request.headers.topic ?? '');
          if (!/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Error(`Topic header missing or bad: ${topic}`);
          if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('payload not aes128gcm');
          const plain = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.auth });
          received.push({ to: id, payload: JSON.parse(plain.toString('utf8')) as Record<string, unknown>, headers: { ttl: String(ttl), urgency: String(request.headers.urgency), topic }, at: Date.now() });
          response.writeHead(201, { location: `${origin}/message/${received.length}` }).end();
        } catch (error) {
          problems.push(`${id}: ${(error as Error).message}`);
          response.writeHead(400).end();
        }
      })();
    });
  });
  const port = await listening(server);
  origin = `https://127.0.0.1:${port}`;
  return {
    origin,
    received,
    problems,
    script,
    subscribe(id) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const subscription = { id, endpoint: `${origin}/push/${encodeURIComponent(id)}`, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url'), ecdh };
      subscriptions.set(id, subscription);
      return subscription;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface NativePushService {
  origin: string;
  apns: Received[];
  fcm: Received[];
  problems: string[];
  /** Per token: statuses answered before accepting (429/5xx), or 410/400/404 for a dead one. */
  script: Script;
  /** Tokens the service answers as dead forever (APNs 410 Unregistered, FCM 404 UNREGISTERED). */
  dead: Set<string>;
  tokensIssued: number;
  close(): Promise<void>;
}

export interface NativeKeys {
  apnsKey: KeyObject | CryptoKey;
  apnsKeyId: string;
  teamId: string;
  topic: string;
  fcmKey: KeyObject | CryptoKey;
  clientEmail: string;
  projectId: string;
}

/** APNs and FCM on one HTTP/2 TLS server (paths never overlap). */
export async function startNativePushService(keys: NativeKeys): Promise<NativePushService> {
  const state: NativePushService = { origin: '', apns: [], fcm: [], problems: [], script: new Map(), dead: new Set(), tokensIssued: 0, close: () => Promise.resolve() };
  const issued = new Set<string>();
  const server = createSecureServer({ ...TLS, allowHTTP1: false });
  const answer = (stream: ServerHttp2Stream, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    stream.respond({ ':status': status, 'content-type': 'application/json', ...headers });
    stream.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const apns = async (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: string, token: string) => {
    const auth = String(headers.authorization ?? '');
    if (!auth.startsWith('bearer ')) return answer(stream, 403, { reason: 'MissingProviderToken' });
    try {
      const jwt = auth.slice('bearer '.length);
      if (decodeProtectedHeader(jwt).kid !== keys.apnsKeyId) return answer(stream, 403, { reason: 'InvalidProviderToken' });
      const { payload } = await jwtVerify(jwt, keys.apnsKey, { issuer: keys.teamId, algorithms: ['ES256'] });
      if (typeof payload.iat !== 'number' || payload.iat < Date.now() / 1000 - 3600) return answer(stream, 403, { reason: 'ExpiredProviderToken' });
    } catch {
      return answer(stream, 403, { reason: 'InvalidProviderToken' });
    }
    if (headers['apns-topic'] !== keys.topic) return answer(stream, 400, { reason: 'TopicDisallowed' });
    if (headers['apns-push-type'] !== 'alert') return answer(stream, 400, { reason: 'InvalidPushType' });
    const collapse = String(headers['apns-collapse-id'] ?? '');
    if (Buffer.byteLength(collapse) > 64) return answer(stream, 400, { reason: 'BadCollapseId' });
    if (!/^[0-9a-f]{8,}$/i.test(token)) return answer(stream, 400, { reason: 'BadDeviceToken' });
    if (state.dead.has(token)) return answer(stream, 410, { reason: 'Unregistered', timestamp: Date.now() });
    const scripted = next(state.script, token);
    if (scripted !== undefined) return answer(stream, scripted, { reason: scripted === 429 ? 'TooManyRequests' : 'InternalServerError' });
    state.apns.push({ to: token, payload: JSON.parse(body) as Record<string, unknown>, headers: { collapse }, at: Date.now() });
    return answer(stream, 200, undefined, { 'apns-id': `id-${state.apns.length}` });
  };

  const tokenGrant = async (stream: ServerHttp2Stream, body: string) => {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return answer(stream, 400, { error: 'unsupported_grant_type' });
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', keys.fcmKey, { issuer: keys.clientEmail, audience: `${state.origin}/token`, algorithms: ['RS256'] });
      if (payload.scope !== 'https://www.googleapis.com/auth/firebase.messaging') return answer(stream, 400, { error: 'invalid_scope' });
    } catch {
      return answer(stream, 400, { error: 'invalid_grant' });
    }
    const token = randomBytes(16).toString('hex');
    issued.add(token);
    state.tokensIssued++;
    return answer(stream, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  };

  const fcm = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: string, project: string) => {
    const auth = String(headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !issued.has(auth.slice('Bearer '.length))) return answer(stream, 401, { error: { code: 401, status: 'UNAUTHENTICATED' } });
    if (project !== keys.projectId) return answer(stream, 403, { error: { code: 403, status: 'PERMISSION_DENIED' } });
    const message: Record<string, unknown> = (JSON.parse(body) as { message?: Record<string, unknown> }).message ?? {};
    const token = typeof message.token === 'string' ? message.token : '';
    if (state.dead.has(token)) {
      return answer(stream, 404, { error: { code: 404, status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } });
    }
    const scripted = next(state.script, token);
    if (scripted !== undefined) return answer(stream, scripted, { error: { code: scripted, status: 'UNAVAILABLE' } });
    state.fcm.push({ to: token, payload: message, headers: {}, at: Date.now() });
    return answer(stream, 200, { name: `projects/${keys.projectId}/messages/${state.fcm.length}` });
  };

  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = String(headers[':path'] ?? '');
      const device = /^\/3\/device\/([^/]+)$/.exec(path);
      const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
      const work = device ? apns(stream, headers, body, decodeURIComponent(device[1]!)) : path === '/token' ? tokenGrant(stream, body) : send ? Promise.resolve(fcm(stream, headers, body, send[1]!)) : Promise.resolve(answer(stream, 404, {}));
      work.catch((error: unknown) => {
        state.problems.push(String(error));
        answer(stream, 500, {});
      });
    });
  });
  const port = await listening(server);
  state.origin = `https://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Sessions the senders keep open would hold close() back.
      for (const session of sessions) session.destroy();
    });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  return state;
}
