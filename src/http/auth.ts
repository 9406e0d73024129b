/**
 * Access tokens: short-lived HS256 JWTs whose subject is the username. The key is imported
 * once; verifying a token is one HMAC, no database read.
 */
import { webcrypto } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { DomainError, errors } from '../errors.js';
import { validator, Username } from '../schema/entities.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user; set by `authenticate` on every protected route. */
    username: string;
    /** The session (refresh-token family) the access token was issued for; absent in older tokens. */
    sessionId: string | undefined;
  }
}

const ISSUER = 'quick-photos';
const AUDIENCE = 'quick-photos-api';
const usernameCheck = validator(Username);

export interface TokenService {
  issue(username: string, sessionId?: string): Promise<{ accessToken: string; expiresIn: number }>;
  /** The username the token was issued to; UNAUTHORIZED / TOKEN_EXPIRED otherwise. */
  verify(token: string): Promise<string>;
  /** The username and the session the token was issued for. */
  claims(token: string): Promise<TokenClaims>;
}

export interface TokenClaims {
  username: string;
  sessionId: string | undefined;
}

const sessionIdCheck = /^[A-Za-z0-9_-]{16}$/;

/** Bound on remembered tokens; past it the memory starts over (a miss costs one HMAC). */
const MAX_VERIFIED = 10_000;

const tokenExpired = () =>
  new DomainError('unauthorized', 'TOKEN_EXPIRED', 'The access token has expired; refresh it at POST /v1/sessions/refresh.');

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const verified = new Map<string, TokenClaims & { expiresAt: number }>();
  if (secret.length < 32) throw new Error('The JWT secret must be at least 32 characters.');
  const key = webcrypto.subtle.importKey('raw', Buffer.from(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  async function claims(token: string): Promise<TokenClaims> {
    // A client sends the same token for its whole lifetime: after the first full check,
    // only its expiry needs checking again (the signature cannot change).
    const hit = verified.get(token);
    if (hit !== undefined) {
      if (hit.expiresAt > Date.now()) return { username: hit.username, sessionId: hit.sessionId };
      verified.delete(token);
      throw tokenExpired();
    }
    try {
      const { payload } = await jwtVerify(token, await key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      if (!usernameCheck.check(payload.sub) || payload.exp === undefined) throw errors.unauthorized('The access token is invalid.');
      const sessionId = typeof payload.sid === 'string' && sessionIdCheck.test(payload.sid) ? payload.sid : undefined;
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(token, { username: payload.sub, sessionId, expiresAt: payload.exp * 1000 });
      return { username: payload.sub, sessionId };
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw tokenExpired();
      throw errors.unauthorized('The access token is invalid.');
    }
  }
  return {
    claims,
    async issue(username, sessionId) {
      const accessToken = await new SignJWT(sessionId === undefined ? {} : { sid: sessionId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(username)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(await key);
      return { accessToken, expiresIn: ttlSeconds };
    },
    async verify(token) {
      return (await claims(token)).username;
    },
  };
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
    const claims = await tokens.claims(token);
    request.username = claims.username;
    request.sessionId = claims.sessionId;
  };
}

/** Only the account owner may change what is under /users/:username. */
export function assertSelf(request: FastifyRequest, username: string, action: string): void {
  if (request.username !== username) throw errors.forbidden(`Only ${username} may ${action}; you are signed in as ${request.username}.`);
}
