/** This test file's engine: the one its vitest worker owns (engine.global.ts). */
import { inject } from 'vitest';

export function engineEndpoint(): string {
  const endpoints = inject('dynamodbEndpoints');
  // VITEST_POOL_ID numbers the workers from 1; a worker keeps its id for the whole run.
  const pool = Number(process.env.VITEST_POOL_ID ?? 1);
  return endpoints[(pool - 1) % endpoints.length]!;
}
