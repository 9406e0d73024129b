/** Blob store on the local file system (development default: ./data/photos). */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, opendir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { finished, pipeline } from 'node:stream/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { assertSafeKey, contentTypeOf, PARTS_PREFIX, storageError, type BlobInfo, type LocalBlobStore, type PartInfo } from './store.js';

export function createLocalBlobStore(dir: string): LocalBlobStore {
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

  function pathForKey(key: string): string {
    assertSafeKey(key);
    const path = resolve(root, key);
    if (!inside(path)) throw new Error(`Unsafe blob key: ${key}`);
    return path;
  }

  /** Write to a unique temporary name, then rename: a reader never sees a half-written image, and a failure leaves nothing. */
  async function atomically(key: string, write: (temp: string) => Promise<void>): Promise<string> {
    const path = pathForKey(key);
    const temp = `${path}.${randomUUID()}.partial`;
    try {
      await mkdir(dirname(path), { recursive: true }).catch(async (error: unknown) => {
        // A recursive mkdir on a read-only mount reports ENOENT: ask the root for the real reason.
        await access(root, constants.W_OK);
        throw error;
      });
      await write(temp);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw storageError(error);
    }
    return pathToFileURL(path).href;
  }

  async function* walk(dirPath: string): AsyncGenerator<BlobInfo> {
    let handle;
    try {
      handle = await opendir(dirPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for await (const entry of handle) {
      const path = resolve(dirPath, entry.name);
      if (entry.isDirectory()) yield* walk(path);
      else if (entry.isFile()) {
        const info = await stat(path);
        yield { key: relative(root, path).split(sep).join('/'), size: info.size, lastModified: info.mtime };
      }
    }
  }

  const PART_NAME = /^[1-9][0-9]{0,4}$/;
  const partsDir = (partsId: string) => pathForKey(`${PARTS_PREFIX}${partsId}`);

  async function receivedParts(partsId: string): Promise<PartInfo[] | undefined> {
    let names: string[];
    try {
      names = await readdir(partsDir(partsId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // Temporary names of parts being written are not parts yet.
    const parts = await Promise.all(
      names.filter((n) => PART_NAME.test(n)).map(async (n) => {
        const info = await stat(resolve(partsDir(partsId), n));
        return { partNumber: Number(n), size: info.size, etag: `${info.size}-${info.mtimeMs}` };
      }),
    );
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  const store: LocalBlobStore = {
    kind: 'local',
    root,
    put: (key, bytes) => atomically(key, (temp) => writeFile(temp, bytes, { mode: 0o644 })),
    putFile: (key, source) => atomically(key, (temp) => copyFile(source, temp)),
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
    locationOf: (key) => pathToFileURL(pathForKey(key)).href,
    keyOf(location) {
      const path = pathOf(location);
      return path ? relative(root, path).split(sep).join('/') : undefined;
    },
    async startParts() {
      const partsId = randomUUID().replaceAll('-', '');
      await mkdir(partsDir(partsId), { recursive: true }).catch((error: unknown) => {
        throw storageError(error);
      });
      return partsId;
    },
    async putPart(partsId, partNumber, source) {
      // Only into an upload still open: a part arriving after its abort or completion is dropped.
      const open = await stat(partsDir(partsId)).then(
        () => true,
        () => false,
      );
      if (open) await atomically(`${PARTS_PREFIX}${partsId}/${partNumber}`, (temp) => copyFile(source, temp));
      return open;
    },
    listParts: (_key, partsId) => receivedParts(partsId),
    async completeParts(key, partsId, parts) {
      const dir = partsDir(partsId);
      await atomically(key, async (temp) => {
        const out = createWriteStream(temp, { mode: 0o644 });
        for (const part of parts) await pipeline(createReadStream(resolve(dir, String(part.partNumber))), out, { end: false });
        out.end();
        await finished(out);
      });
      await rm(dir, { recursive: true, force: true });
    },
    async abortParts(_key, partsId) {
      await rm(partsDir(partsId), { recursive: true, force: true });
    },
    async sweepParts(maxAgeSeconds, now = Date.now()) {
      let names: string[];
      try {
        names = await readdir(resolve(root, PARTS_PREFIX));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
      let removed = 0;
      for (const partsId of names) {
        const dir = resolve(root, PARTS_PREFIX, partsId);
        // The directory's time moves with each part written into it (and with its creation).
        const times = [(await stat(dir)).mtimeMs];
        for (const name of await readdir(dir).catch(() => [])) times.push(await stat(resolve(dir, name)).then((i) => i.mtimeMs, () => 0));
        if (now - Math.max(...times) > maxAgeSeconds * 1000) {
          await rm(dir, { recursive: true, force: true });
          removed += 1;
        }
      }
      return removed;
    },
    list(prefix) {
      // Walk only the directory the prefix names, then filter by the rest.
      const cut = prefix.lastIndexOf('/');
      const start = cut < 0 ? root : resolve(root, prefix.slice(0, cut));
      return (async function* () {
        if (start !== root && !inside(start)) return;
        for await (const blob of walk(start)) if (blob.key.startsWith(prefix)) yield blob;
      })();
    },
  };
  return store;
}
