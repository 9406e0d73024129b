/**
 * Access tokens: short-lived HS256 JWTs whose subject is the username; they also carry the
 * account's id (`aid`), the refresh-token family they were issued from (`sid`) and the issue
 * time in ms (`iat_ms`), which the guards compare with the User item (src/patterns/acting.ts).
 * The key is imported once; verifying a token is one HMAC, no database read.
 */
import { webcrypto } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { DomainError, errors } from '../errors.js';
import { validator, Username } from '../schema/entities.js';
import { actingAs, type ActingSession, type SessionCheck } from '../patterns/acting.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user; set by `authenticate` on every protected route. */
    username: string;
    /** The session the access token belongs to (account id, family, issue time). */
    acting: ActingSession;
    /** The session (refresh-token family) the access token was issued for; absent in older tokens. */
    sessionId: string | undefined;
    /** Whether the handler's own requests checked the session (set by `actAsSession`; src/http/session-check.ts). */
    sessionCheck: SessionCheck | undefined;
  }
}

const ISSUER = 'quick-photos';
const AUDIENCE = 'quick-photos-api';
const usernameCheck = validator(Username);

export interface TokenService {
  issue(username: string, session?: { accountId?: string | undefined; sessionId?: string | undefined }): Promise<{ accessToken: string; expiresIn: number }>;
  /** The username the token was issued to; UNAUTHORIZED / TOKEN_EXPIRED otherwise. */
  verify(token: string): Promise<string>;
  /** The session the token was issued to; UNAUTHORIZED / TOKEN_EXPIRED otherwise. */
  verifySession(token: string): Promise<ActingSession>;
}

const optionalClaim = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined);

/** Bound on remembered tokens; past it the memory starts over (a miss costs one HMAC). */
const MAX_VERIFIED = 10_000;

const tokenExpired = () =>
  new DomainError('unauthorized', 'TOKEN_EXPIRED', 'The access token has expired; refresh it at POST /v1/sessions/refresh.');

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const verified = new Map<string, { session: ActingSession; expiresAt: number }>();
  if (secret.length < 32) throw new Error('The JWT secret must be at least 32 characters.');
  const key = webcrypto.subtle.importKey('raw', Buffer.from(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return {
    async issue(username, session = {}) {
      const claims: Record<string, string | number> = { iat_ms: Date.now() };
      if (session.accountId !== undefined) claims.aid = session.accountId;
      if (session.sessionId !== undefined) claims.sid = session.sessionId;
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(username)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(await key);
      return { accessToken, expiresIn: ttlSeconds };
    },
    verify: async (token) => (await verifySession(token)).username,
    verifySession,
  };
  async function verifySession(token: string): Promise<ActingSession> {
    // A client sends the same token for its whole lifetime: after the first full check,
    // only its expiry needs checking again (the signature cannot change).
    const hit = verified.get(token);
    if (hit !== undefined) {
      if (hit.expiresAt > Date.now()) return hit.session;
      verified.delete(token);
      throw tokenExpired();
    }
    try {
      const { payload } = await jwtVerify(token, await key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      if (!usernameCheck.check(payload.sub) || payload.exp === undefined) throw errors.unauthorized('The access token is invalid.');
      const issuedAt = typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat ?? 0) * 1000;
      const session: ActingSession = { username: payload.sub, accountId: optionalClaim(payload.aid), sessionId: optionalClaim(payload.sid), issuedAt };
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(token, { session, expiresAt: payload.exp * 1000 });
      return session;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw tokenExpired();
      throw errors.unauthorized('The access token is invalid.');
    }
  }
}

/** onRequest hook of the protected scope: no valid bearer token, no handler. */
export function authenticator(tokens: TokenService) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (!header) throw errors.unauthorized();
    const [scheme, token, extra] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token || extra !== undefined || token.length > 4096) {
      throw errors.unauthorized('Send the access token as "Authorization: Bearer <token>".');
    }
    request.acting = await tokens.verifySession(token);
    request.username = request.acting.username;
    request.sessionId = request.acting.sessionId;
  };
}

/**
 * preHandler of the protected scope (after the body is parsed, so no stream callback loses
 * it): runs the rest of the request as its session, for the guards in src/patterns/.
 */
export function actAsSession(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  request.sessionCheck = { checked: false };
  actingAs(request.acting, done, request.sessionCheck);
}

/** Only the account owner may change what is under /users/:username. */
export function assertSelf(request: FastifyRequest, username: string, action: string): void {
  if (request.username !== username) throw errors.forbidden(`Only ${username} may ${action}; you are signed in as ${request.username}.`);
}
