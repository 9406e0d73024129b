/**
 * Editing a caption in place: the text box (focused), Save and Cancel (Escape too). Saving sends
 * the text as typed ('' removes the caption); a refusal is shown here and the text kept to fix it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { updatePhoto, type PhotoForViewer, type TextEntities } from '@quick-photos/client';
import '../dialogs/dialogs.css';
import { api } from '../session.js';
import { useAction } from '../ui.js';

/** The caption rule of the API (src/schema/entities.ts CAPTION_MAX). */
const CAPTION_MAX = 2200;

/** `onDone(caption, entities)` after a save (null: no caption now), `onDone()` on Cancel. */
export function CaptionForm({ photo, onDone }: { photo: PhotoForViewer; onDone: (caption?: string | null, entities?: TextEntities) => void }) {
  const [text, setText] = useState(photo.caption ?? '');
  const { busy, error, act } = useAction();
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => box.current?.focus(), []);

  async function save(event: Event) {
    event.preventDefault();
    await act(async () => {
    const { data } = await updatePhoto({ client: api, path: { photoId: photo.id }, body: { caption: text.trim() }, throwOnError: true });
    onDone(data.caption ?? null, data.entities);
    });
  }
  return (
    <form class="caption-editor" onSubmit={(e) => void save(e)} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <label for="caption-text">Caption</label>
      <textarea id="caption-text" ref={box} maxLength={CAPTION_MAX} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-describedby={error ? 'caption-error' : undefined} />
      {error ? (
        <p id="caption-error" class="notice" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
