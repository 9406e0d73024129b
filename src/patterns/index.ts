/** The data layer's public surface: every access pattern, one named function each. */
export * from './db.js';
export * from './cursor.js';
export * from './users.js';
export * from './photos.js';
export * from './reactions.js';
export * from './follows.js';
export * from './guards.js';
export * from './accounts/index.js';
export * from './safety/index.js';
export * from './media.js';
export * from './viewer.js';
export * from './feed.js';
export * from './explore.js';
export * from './activity.js';
export * from './directory.js';
export * from './lists.js';
export * from './idempotency.js';
