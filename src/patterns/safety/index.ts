/** Social safety: blocks and who may see whom. */
export * from './errors.js';
export * from './blocks.js';
export * from './visibility.js';
export * from './requests.js';
export * from './moderation.js';
export * from './reports.js';
