/**
 * Upload: pick an image, see it, add a caption, share it by the resumable direct upload (parts
 * PUT to their URLs, resumed after a failure, with progress; then complete with the caption);
 * then its page. A file whose type the browser cannot name goes as multipart, where the server
 * recognises it from its bytes.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { completeUpload, uploadPhoto, type Photo, type ResumableUploadRequest } from '@quick-photos/client';
import { uploadInParts } from '../resumable.js';
import { api, currentUser } from '../session.js';
import { Notice, problem, Screen } from '../ui.js';

const DIRECT_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'] satisfies ResumableUploadRequest['contentType'][];
const isDirectType = (type: string): type is ResumableUploadRequest['contentType'] => DIRECT_TYPES.includes(type);

async function share(username: string, file: File, caption: string, onProgress: (sent: number, total: number) => void): Promise<Photo> {
  const text = caption.trim();
  const contentType = file.type;
  if (!isDirectType(contentType)) {
    const { data } = await uploadPhoto({ client: api, path: { username }, body: { file, ...(text ? { caption: text } : {}) }, throwOnError: true });
    return data;
  }
  // The part URLs are signed and take no Authorization header (they may be the S3 store's own).
  const uploadId = await uploadInParts(username, file, contentType, onProgress);
  const { data } = await completeUpload({ client: api, path: { username, uploadId }, body: text ? { caption: text } : {}, throwOnError: true });
  return data;
}

export function Upload() {
  const { route } = useLocation();
  const [file, setFile] = useState<File>();
  const [caption, setCaption] = useState('');
  const [preview, setPreview] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ sent: number; total: number }>();

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
      setError(undefined);
      const photo = await share(username, file, caption, (sent, total) => setProgress({ sent, total }));
      route(`/p/${photo.id}`);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
      setProgress(undefined);
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
        {progress ? (
          <label class="field">
            Uploading {Math.floor((100 * progress.sent) / Math.max(1, progress.total))}%
            <progress value={progress.sent} max={progress.total} aria-label="Upload progress" />
          </label>
        ) : null}
        <Notice error={error} />
        <button type="submit" class="primary" disabled={!file || busy}>
          {busy ? 'Sharing…' : 'Share'}
        </button>
      </form>
    </Screen>
  );
}
