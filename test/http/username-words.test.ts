/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/** A bad username in a path is refused with the rule in words, as sign-up refuses it. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { USERNAME_RULE } from '../../src/schema/entities.js';
import { signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let ann: Session;

beforeAll(async () => {
  api = await startApi();
  ann = await signUp(api, 'ann');
});

afterAll(async () => {
  await api.close();
});

it('answers 400 VALIDATION_FAILED naming the allowed characters, never a regular expression', async () => {
  for (const bad of ['no$dollars', '.leadingdot', 'x'.repeat(31)]) {
    const answer = await api.call('GET', `/v1/users/${encodeURIComponent(bad)}`, { token: ann.accessToken });
    expect(answer.status, bad).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(answer.body.error.details).toContainEqual({ path: 'params:/username', message: USERNAME_RULE });
    expect(JSON.stringify(answer.body)).not.toMatch(/\^\[|\{0,29\}|pattern/);
  }
});
