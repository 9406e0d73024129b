/** The blob store the configuration names. */
import type { BlobConfig } from '../config/index.js';
import { createLocalBlobStore } from './local.js';
import { createS3BlobStore } from './s3.js';
import type { BlobStore } from './store.js';

export * from './store.js';
export * from './files.js';
export * from './urls.js';
export { createLocalBlobStore } from './local.js';
export { createS3BlobStore } from './s3.js';

export function createBlobStore(config: BlobConfig): BlobStore {
  return config.kind === 'local' ? createLocalBlobStore(config.dir) : createS3BlobStore(config);
}
export * from './sweep.js';
