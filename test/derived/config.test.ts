/** WORKER is parsed strictly, like every other flag, and production runs no worker in the API unless asked. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const production = { NODE_ENV: 'production', DYNAMODB_ENGINE: 'aws', JWT_SECRET: 'x'.repeat(32) };

describe('WORKER', () => {
  it('defaults to on in development and off in production', () => {
    expect(loadConfig({}).derived.worker).toBe(true);
    expect(loadConfig(production).derived.worker).toBe(false);
    expect(loadConfig({ ...production, WORKER: '1' }).derived.worker).toBe(true);
    expect(loadConfig({ WORKER: '0' }).derived.worker).toBe(false);
  });

  it('refuses anything but 1/0/true/false', () => {
    for (const value of ['yes', 'off', '2']) expect(() => loadConfig({ WORKER: value })).toThrow(ConfigError);
  });

  it('reads the lease and shard bounds', () => {
    expect(loadConfig({ WORKER_LEASE_MS: '3000', WORKER_SHARD_CONCURRENCY: '2' }).derived).toMatchObject({ leaseMs: 3000, shardConcurrency: 2 });
    expect(() => loadConfig({ WORKER_LEASE_MS: '0' })).toThrow(ConfigError);
  });
});
