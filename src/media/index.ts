/** Media processing: decode and validate, orient and strip, variants, placeholders. */
export * from './errors.js';
export * from './process.js';
export * from './queue.js';
export * from './isolated.js';
export { thumbHashOf } from './placeholder.js';
export * from './store.js';
