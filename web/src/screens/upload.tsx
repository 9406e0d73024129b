/**
 * Upload: pick an image, see it, add a caption, share it by the direct upload (a slot, the
 * bytes PUT to its URL, then complete with the caption); then its page. A file whose type the
 * browser cannot name goes as multipart, where the server recognises it from its bytes.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { completeUpload, createUploadSlot, uploadPhoto, type Photo, type UploadSlotRequest } from '../../../client/src/index.js';
import { api, currentUser } from '../session.js';
import { Notice, problem, Screen } from '../ui.js';

const DIRECT_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'] satisfies UploadSlotRequest['contentType'][];
const isDirectType = (type: string): type is UploadSlotRequest['contentType'] => DIRECT_TYPES.includes(type);

async function share(username: string, file: File, caption: string): Promise<Photo> {
  const text = caption.trim();
  const contentType = file.type;
  if (!isDirectType(contentType)) {
    const { data } = await uploadPhoto({ client: api, path: { username }, body: { file, ...(text ? { caption: text } : {}) }, throwOnError: true });
    return data;
  }
  const { data: slot } = await createUploadSlot({ client: api, path: { username }, body: { contentLength: file.size, contentType }, throwOnError: true });
  // The slot's URL is signed and takes no Authorization header (it may be the S3 store's own).
  const put = await fetch(slot.url, { method: 'PUT', headers: slot.headers, body: file });
  if (!put.ok) {
    const body: unknown = await put.json().catch(() => undefined);
    throw body;
  }
  const { data } = await completeUpload({ client: api, path: { username, uploadId: slot.uploadId }, body: text ? { caption: text } : {}, throwOnError: true });
  return data;
}

export function Upload() {
  const { route } = useLocation();
  const [file, setFile] = useState<File>();
  const [caption, setCaption] = useState('');
  const [preview, setPreview] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  async function submit(event: Event) {
    event.preventDefault();
    const username = currentUser.value;
    if (!file || !username) return;
    setBusy(true);
    try {
      const photo = await share(username, file, caption);
      route(`/p/${photo.id}`);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen title="New photo">
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <h1>New photo</h1>
        <div class="field">
          <label for="photo-file">Image</label>
          <input id="photo-file" type="file" accept="image/*" required onChange={(e) => setFile(e.currentTarget.files?.[0])} />
        </div>
        {preview ? <img class="preview" src={preview} alt="Preview of the image to upload" /> : null}
        <div class="field">
          <label for="photo-caption">Caption</label>
          <textarea id="photo-caption" rows={2} maxLength={2200} value={caption} onInput={(e) => setCaption(e.currentTarget.value)} />
        </div>
        <Notice error={error} />
        <button type="submit" class="primary" disabled={!file || busy}>
          {busy ? 'Sharing…' : 'Share'}
        </button>
      </form>
    </Screen>
  );
}
