/** Blob store on the local file system (development default: ./data/photos). */
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertSafeKey, contentTypeOf, type BlobStore } from './store.js';

export function createLocalBlobStore(dir: string): BlobStore {
  const root = resolve(dir);
  const inside = (path: string) => path.startsWith(root + sep);

  function pathOf(location: string): string | undefined {
    if (!location.startsWith('file:')) return undefined;
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch {
      return undefined;
    }
    // Only files this store wrote: a location can never point the server at /etc/passwd.
    return inside(resolve(path)) ? resolve(path) : undefined;
  }

  return {
    async put(key, bytes) {
      assertSafeKey(key);
      const path = resolve(root, key);
      if (!inside(path)) throw new Error(`Unsafe blob key: ${key}`);
      await mkdir(dirname(path), { recursive: true });
      // Write then rename: a reader never sees a half-written image.
      const temp = `${path}.partial`;
      await writeFile(temp, bytes, { mode: 0o644 });
      await rename(temp, path);
      return pathToFileURL(path).href;
    },
    async get(location) {
      const path = pathOf(location);
      if (!path) return undefined;
      try {
        const info = await stat(path);
        if (!info.isFile()) return undefined;
        return { body: createReadStream(path), contentType: contentTypeOf(path), size: info.size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async delete(location) {
      const path = pathOf(location);
      if (path) await rm(path, { force: true });
    },
  };
}
