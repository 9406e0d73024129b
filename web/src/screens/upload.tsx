/** Upload: pick an image, see it, send it; then its page. */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { uploadPhoto } from '../../../client/src/index.js';
import { api, currentUser } from '../session.js';
import { Notice, problem, Screen } from '../ui.js';

export function Upload() {
  const { route } = useLocation();
  const [file, setFile] = useState<File>();
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
      const { data } = await uploadPhoto({ client: api, path: { username }, body: { file }, throwOnError: true });
      route(`/p/${data.id}`);
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
        <Notice error={error} />
        <button type="submit" class="primary" disabled={!file || busy}>
          {busy ? 'Uploading…' : 'Share'}
        </button>
      </form>
    </Screen>
  );
}
