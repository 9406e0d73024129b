/**
 * What can be done to one photo from its detail screen: the owner edits its caption in place or
 * deletes it (after a confirmation, then back to their profile); anyone else reports it.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { deletePhoto, type PhotoForViewer, type TextEntities } from '@quick-photos/client';
import { CaptionForm, ConfirmDialog, ReportDialog } from '../dialogs/index.js';
import { OverflowMenu } from '../dialogs/menu.js';
import { Caption } from '../caption.js';
import { api, currentUser } from '../session.js';
import { useAction } from '../ui.js';

export function PhotoMenu({ photo, onEdit }: { photo: PhotoForViewer; onEdit: () => void }) {
  const { route } = useLocation();
  const [open, setOpen] = useState<'delete' | 'report'>();
  const { busy, error, setError, act } = useAction();
  const mine = photo.username === currentUser.value;
  const close = () => {
    setOpen(undefined);
    setError(undefined);
  };

  async function remove() {
    await act(async () => {
    await deletePhoto({ client: api, path: { photoId: photo.id }, throwOnError: true });
    close();
    route(`/u/${photo.username}`);
    });
  }

  const items = mine
    ? [
        { label: 'Edit caption', onSelect: onEdit },
        { label: 'Delete photo', onSelect: () => setOpen('delete'), danger: true },
      ]
    : [{ label: 'Report photo', onSelect: () => setOpen('report') }];
  return (
    <>
      <OverflowMenu label="Photo actions" items={items} />
      {open === 'delete' ? (
        <ConfirmDialog
          title="Delete this photo?"
          description="It disappears from your profile and from feeds, with its reactions. This cannot be undone."
          confirm="Delete"
          danger
          busy={busy}
          error={error}
          onConfirm={remove}
          onClose={close}
        />
      ) : null}
      {open === 'report' ? <ReportDialog target={{ kind: 'photo', photoId: photo.id, username: photo.username }} onClose={close} /> : null}
    </>
  );
}

/** The caption, or (while `editing`) the form that edits it in place (caption-form.tsx, fetched when first opened). */
export function CaptionEditor({ photo, editing, onDone }: { photo: PhotoForViewer; editing: boolean; onDone: (caption?: string | null, entities?: TextEntities) => void }) {
  if (!editing) return photo.caption ? <Caption text={photo.caption} entities={photo.entities} /> : null;
  return <CaptionForm photo={photo} onDone={onDone} />;
}
