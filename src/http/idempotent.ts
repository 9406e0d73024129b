/**
 * HTTP's idempotent verbs over the lab's conditional writes, so that a phone may retry any PUT
 * or DELETE: the data layer still answers "already there" / "not there" as errors (the CLI
 * reports them as the lab does), and only this layer turns them into success.
 */
import { errors, isDomainError } from '../errors.js';

const PUT_ATTEMPTS = 3;

/** Creates once: `created` false (with what is there) when it already existed. */
export async function putOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>, existsCode: string): Promise<{ created: boolean; value: T }> {
  for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
    try {
      return { created: true, value: await create() };
    } catch (error) {
      if (!isDomainError(error) || error.code !== existsCode) throw error;
    }
    const found = await find();
    if (found !== undefined) return { created: false, value: found };
    // Removed between the two requests: create it again.
  }
  throw errors.transactionConflict();
}

/** Deletes if present; absence is success. */
export async function deleteOnce(remove: () => Promise<void>, absentCode: string): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!isDomainError(error) || error.code !== absentCode) throw error;
  }
}
