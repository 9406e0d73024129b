/** Sign up, log in, refresh and log out: the only routes that need no access token. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Credentials, createSession, revokeSession, rotateSession, signUp, SignUp, verifyCredentials, type RefreshGrant } from '../../patterns/index.js';
import { perMinute, PUBLIC, type RouteOptions } from '../context.js';
import { errorsFor, RefreshBody, Tokens, UserView } from '../schemas.js';
import { userView } from '../views.js';

export const accountRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, tokens } = ctx;
  const limit = { config: perMinute(config.http.rateLimit.authPerMinute) };
  const ttl = config.http.refreshTokenTtlSeconds;

  async function tokensFor(grant: RefreshGrant) {
    const access = await tokens.issue(grant.username);
    return {
      username: grant.username,
      tokenType: 'Bearer' as const,
      ...access,
      refreshToken: grant.refreshToken,
      refreshExpiresAt: grant.expiresAt,
    };
  }

  app.post(
    '/accounts',
    {
      ...limit,
      schema: {
        operationId: 'signUp',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Sign up: creates the profile and its credentials together, and signs in',
        body: SignUp,
        response: {
          201: Type.Object({ user: UserView, session: Tokens }, { title: 'SignUpResult' }),
          ...errorsFor({ 400: [], 409: ['USER_EXISTS'], 413: [], 415: [], 429: [], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const user = await signUp(db, request.body);
      const session = await tokensFor(await createSession(db, user.username, ttl));
      return reply.status(201).header('location', `/v1/users/${user.username}`).send({ user: userView(user), session });
    },
  );

  app.post(
    '/sessions',
    {
      ...limit,
      schema: {
        operationId: 'logIn',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Log in: a short-lived access token and a single-use refresh token',
        body: Credentials,
        response: { 201: Tokens, ...errorsFor({ 400: [], 401: ['INVALID_CREDENTIALS'], 403: ['ACCOUNT_SUSPENDED'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const username = await verifyCredentials(db, request.body);
      return reply.status(201).send(await tokensFor(await createSession(db, username, ttl)));
    },
  );

  app.post(
    '/sessions/refresh',
    {
      ...limit,
      schema: {
        operationId: 'refreshSession',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Exchange a refresh token for a new pair; the old refresh token stops working',
        body: RefreshBody,
        response: { 200: Tokens, ...errorsFor({ 400: [], 401: ['INVALID_REFRESH_TOKEN'], 403: ['ACCOUNT_SUSPENDED'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request) => tokensFor(await rotateSession(db, request.body.refreshToken, ttl)),
  );

  app.delete(
    '/sessions',
    {
      ...limit,
      schema: {
        operationId: 'logOut',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Log out: revokes the refresh token (access tokens expire on their own)',
        body: RefreshBody,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: ['INVALID_REFRESH_TOKEN'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await revokeSession(db, request.body.refreshToken);
      return reply.status(204).send(null);
    },
  );
  done();
};
