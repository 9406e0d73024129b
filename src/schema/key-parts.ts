/** A main-table or derived-table item's primary key. */
export interface ItemKey {
  PK: string;
  SK: string;
}

/**
 * Every item type's name, for the entity declarations (src/schema/entities/): `parseKey`
 * recognises each one by its key alone and reads back the parts its key was built from.
 */
export type EntityKind =
  | 'user' | 'photo' | 'reaction' | 'friendship'
  | 'credentials' | 'session' | 'mailToken' | 'loginThrottle' | 'passwordThrottle' | 'emailProbes' | 'emailClaim' | 'deletionJob'
  | 'block' | 'followRequest' | 'report' | 'reportQueue' | 'notice' | 'privateMark'
  | 'uploadSlot' | 'storageUse' | 'hourlyUploads' | 'idempotency'
  | 'comment' | 'commentCount' | 'commentRef' | 'commentLike'
  | 'feedEntry' | 'feedBigAuthors' | 'celebrityFollow' | 'recentPhotos' | 'activityItem' | 'activityState'
  | 'directoryToken' | 'checkpoint' | 'deadLetter' | 'workerStatus'
  | 'exploreEntry' | 'popularAccount' | 'activeAccount' | 'tagEntry' | 'tagName' | 'eventLogEntry' | 'streamTicket'
  | 'pushDevice' | 'pushPreferences' | 'pushCollapse';

export interface ParsedKey {
  kind: EntityKind;
  /** The values the key was built from, named as the entity names them. */
  parts: Record<string, string>;
}

/** `a#b#c` split at its first `count - 1` separators (the last part keeps any further `#`). */
export function cut(value: string, count: number): string[] | undefined {
  const parts: string[] = [];
  let rest = value;
  for (let i = 1; i < count; i++) {
    const at = rest.indexOf('#');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts.every((p) => p.length > 0) ? parts : undefined;
}

export const parsed = (kind: EntityKind, parts: Record<string, string>): ParsedKey => ({ kind, parts });
