/** Access tokens remembered after their first check still expire on time. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenService } from '../../src/http/auth.js';

const SECRET = 'token-cache-test-secret-0123456789abcdef';

afterEach(() => {
  vi.useRealTimers();
});

describe('token verification', () => {
  it('accepts a token again from memory, and rejects it once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = createTokenService(SECRET, 60);
    const { accessToken } = await tokens.issue('alice');
    expect(await tokens.verify(accessToken)).toBe('alice');
    expect(await tokens.verify(accessToken)).toBe('alice');
    vi.setSystemTime(Date.now() + 61_000);
    await expect(tokens.verify(accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(tokens.verify(accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('never remembers a token that failed its check', async () => {
    const tokens = createTokenService(SECRET, 60);
    const other = createTokenService('another-secret-entirely-0123456789abcdef', 60);
    const { accessToken } = await other.issue('mallory');
    await expect(tokens.verify(accessToken)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(tokens.verify(accessToken)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
