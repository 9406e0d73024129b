/**
 * Records a view could not apply for a deterministic reason, one item per view and record:
 * DEADLETTER#<view> / <sequenceNumber>, holding the change itself (the stream keeps records
 * only 24 hours; this copy does not expire). Listed by `quick-photos worker dead-letters`,
 * re-applied by `quick-photos worker redrive` (deleted once applied), counted in /metrics.
 */
import type { Db } from '../patterns/db.js';
import type { RawItem } from '../schema/entity.js';
import { countDeadLetterItems, deleteDeadLetter, forEachDeadLetterPage, putDeadLetter } from './store/index.js';
import { applyChange, untilDone, type DerivedView } from './apply.js';
import { compareSequence, type Change } from './records.js';
import { SHIPPED_VIEWS } from './status.js';

export interface DeadLetter {
  view: string;
  sequenceNumber: string;
  change: Change;
  error: string;
  /** When it was set aside (ISO). */
  failedAt: string;
  /** Times redrive has tried it since. */
  redrives: number;
}

const message = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export async function writeDeadLetter(derived: Db, view: string, change: Change, error: unknown, redrives = 0): Promise<void> {
  await putDeadLetter(derived, view, change.sequenceNumber, {
    view,
    change: JSON.stringify(change),
    error: message(error).slice(0, 2_000),
    failedAt: new Date().toISOString(),
    redrives,
  });
}

/** The dead letters of records no view could be given (not decodable), listed by `worker dead-letters` under this name. */
export const UNDECODABLE = 'stream';

/** Where dead letters can be: each shipped view's, and the undecodable records'. */
export const DEAD_LETTER_VIEWS: readonly string[] = [...SHIPPED_VIEWS, UNDECODABLE];

/**
 * `decode()` of a stream record, whichever engine read it (the worker, the Lambda handler). A
 * record it refuses (an image the unmarshaller cannot hold, such as a number past JavaScript's
 * precision) fails the same way every time, so retrying it would stop its shard for good, every
 * later record waiting behind it: it goes to the `stream` dead letters instead, the raw record
 * kept for a look, and there is nothing to apply (`change` undefined, `setAside` true).
 * `shouldStop` bounds the retries of that write (ApplyAborted).
 */
export async function decodeOrSetAside(
  derived: Db,
  raw: { record: unknown; sequenceNumber: string | undefined },
  decode: () => Change | undefined,
  options: { logger?: { error(obj: object, msg: string): void } | undefined; shouldStop: () => boolean },
): Promise<{ change: Change | undefined; setAside: boolean }> {
  try {
    return { change: decode(), setAside: false };
  } catch (error) {
    const sequenceNumber = raw.sequenceNumber ?? 'unknown';
    options.logger?.error({ err: error, sequenceNumber }, 'stream record not decodable; set aside (dead letter)');
    const keysOf = (raw.record as { dynamodb?: { Keys?: unknown } } | null)?.dynamodb?.Keys;
    const change: Change = {
      event: 'MODIFY',
      kind: { kind: 'other' },
      key: { PK: JSON.stringify(keysOf ?? {}), SK: '' },
      oldImage: undefined,
      newImage: { record: JSON.stringify(raw.record) },
      sequenceNumber,
      at: new Date(),
    };
    await untilDone(() => writeDeadLetter(derived, UNDECODABLE, change, error), options.shouldStop);
    return { change: undefined, setAside: true };
  }
}

function fromItem(item: RawItem): DeadLetter {
  const change = JSON.parse(String(item.change)) as Omit<Change, 'at'> & { at: string };
  return {
    view: String(item.view),
    sequenceNumber: change.sequenceNumber,
    change: { ...change, at: new Date(change.at) },
    error: String(item.error),
    failedAt: String(item.failedAt),
    redrives: typeof item.redrives === 'number' ? item.redrives : 0,
  };
}

/** Every dead letter of the named views: one Query per view (paged). */
export async function listDeadLetters(derived: Db, views: readonly string[]): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  for (const view of views) {
    await forEachDeadLetterPage(derived, view, (items) => {
      for (const item of items) found.push(fromItem(item));
    });
  }
  return found;
}

/** Dead letters per view, by a COUNT Query each (for /metrics and status). */
export async function countDeadLetters(derived: Db, views: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const view of views) counts[view] = await countDeadLetterItems(derived, view);
  return counts;
}

export interface RedriveResult {
  applied: DeadLetter[];
  failed: (DeadLetter & { lastError: string })[];
}

/**
 * Re-applies each dead letter to its view, in sequence order; an applied one is deleted, one
 * that fails again stays (its error and redrive count updated). Transient failures are
 * retried as the worker does, so a redrive during an outage waits rather than gives up.
 */
export async function redrive(derived: Db, views: readonly DerivedView[], only?: string): Promise<RedriveResult> {
  const selected = views.filter((v) => only === undefined || v.name === only);
  const letters = await listDeadLetters(derived, selected.map((v) => v.name));
  const result: RedriveResult = { applied: [], failed: [] };
  for (const letter of letters.sort((a, b) => compareSequence(a.sequenceNumber, b.sequenceNumber))) {
    const view = selected.find((v) => v.name === letter.view);
    if (!view) continue;
    const outcome = await applyChange(view, letter.change, { deterministicAttempts: 1 });
    if (outcome.applied) {
      await deleteDeadLetter(derived, letter.view, letter.sequenceNumber);
      result.applied.push(letter);
    } else {
      await writeDeadLetter(derived, letter.view, letter.change, outcome.error, letter.redrives + 1);
      result.failed.push({ ...letter, lastError: message(outcome.error) });
    }
  }
  return result;
}
