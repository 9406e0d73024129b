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

/**
 * A change that consumes what it acts on (approving a follow request deletes the request): when
 * that is already gone and `find` shows the change's result, the repeat answers that result.
 */
export async function changeOnce<T>(change: () => Promise<T>, find: () => Promise<T | undefined>, goneCode: string): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (!isDomainError(error) || error.code !== goneCode) throw error;
    const done = await find();
    if (done === undefined) throw error;
    return done;
  }
}

/** Deletes if present; absence is success. */
export async function deleteOnce(remove: () => Promise<void>, absentCode: string): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!isDomainError(error) || error.code !== absentCode) throw error;
  }
}
