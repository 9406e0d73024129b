/** Retry spacing shared by the access patterns and the lean DynamoDB transport. */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, capped: spreads retries of contending writers apart. */
export function backoff(attempt: number, baseMs = 20, capMs = 1_000): Promise<void> {
  return sleep(backoffDelay(attempt, baseMs, capMs));
}

export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}
