/**
 * The contract check every HTTP test's answers go through (test/support/contract.ts) refuses
 * what the OpenAPI document does not describe, through its shared components as well.
 */
import { describe, expect, it } from 'vitest';
import { assertContract } from '../support/contract.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const profile = { username: 'ann', name: 'Ann', status: '', interests: [], followers: 0, following: 0, private: false };
const notFound = (code: string) => ({ error: { code, message: 'No such user' } });

describe('the contract check', () => {
  it('passes an answer its operation describes, through a referenced component', () => {
    expect(() => assertContract('GET', '/v1/users/ann', 200, JSON_TYPE, profile)).not.toThrow();
    expect(() => assertContract('GET', '/v1/users/ann', 404, JSON_TYPE, notFound('USER_NOT_FOUND'))).not.toThrow();
  });

  it('refuses a body that breaks the referenced component, an undeclared status, and a code the operation does not list', () => {
    const { followers: _, ...noFollowers } = profile;
    expect(() => assertContract('GET', '/v1/users/ann', 200, JSON_TYPE, noFollowers)).toThrow(/getUser\) answered 200 with a body that breaks its schema: .*followers/);
    expect(() => assertContract('GET', '/v1/users/ann', 200, JSON_TYPE, { ...profile, followers: -1 })).toThrow(/breaks its schema/);
    expect(() => assertContract('GET', '/v1/users/ann', 409, JSON_TYPE, notFound('CONFLICT'))).toThrow(/a status its OpenAPI operation does not declare/);
    expect(() => assertContract('GET', '/v1/users/ann', 404, JSON_TYPE, notFound('PHOTO_NOT_FOUND'))).toThrow(/breaks its schema/);
    // The same schema again: the compiled check is reused, and still refuses.
    expect(() => assertContract('GET', '/v1/users/bob', 200, JSON_TYPE, noFollowers)).toThrow(/breaks its schema/);
  });
});
