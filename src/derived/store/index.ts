/**
 * Every request to the derived table the worker and the operator make: writes of view items,
 * the views' own queries and updates, checkpoints and leases, the heartbeat, dead letters, and
 * an account's cleanup. The rest of src/derived composes these (test/architecture.test.ts).
 * The service's reads of feeds, activity and the directory are patterns (src/patterns/).
 */
export * from './writes.js';
export * from './views.js';
export * from './checkpoints.js';
export * from './status.js';
export * from './cleanup.js';
export * from './tags.js';
export * from './events.js';
export * from './push.js';
export * from './coalesce.js';
export { readOnce, sharedReads, type SharedReads } from './read-once.js';
