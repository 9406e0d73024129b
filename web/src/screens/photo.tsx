/**
 * One photo with its author's card (in the photo's answer), the image, its caption, reaction
 * counts with mine toggled in place, who reacted.
 * On a desktop the photo stands beside a side column (author, caption, reactions, and room
 * and the conversation under it); on a phone they stack, the photo edge to edge.
 */
import { useState } from 'preact/hooks';
import { getPhoto, listPhotoReactions, type PhotoDetail as Photo } from '@quick-photos/client';
import { PhotoSkeleton, RowsSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { PersonRow, REACTIONS, ReactionBar } from '../social.js';
import { CaptionEditor, PhotoMenu } from './photo-actions.js';
import { Conversation } from '../comments.js';
import { Ago, Avatar, isNotFound, NotFound, PhotoImage, Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';

/** Who reacted, a page at a time. */
const REACTIONS_PAGE = 50;

export function PhotoDetail({ photoId = '' }: { photoId?: string }) {
  const [photo, setPhoto] = useState<Photo>();
  const [missing, setMissing] = useState(false);
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState(false);

  const shown = photo?.id === photoId ? photo : undefined;
  // One call for the screen: the photo brings its author's card and the first pages of who
  // reacted and of the comments. Later pages, and who reacted again after my reaction changes,
  // come from the list route. As a list, a failed first call retries and offers Retry.
  const reactions = usePaged(`${photoId}:${version}`, async (cursor) => {
    if (cursor !== undefined || shown) {
      const { data } = await listPhotoReactions({ client: api, path: { photoId }, query: { limit: REACTIONS_PAGE, expand: 'profile', ...(cursor ? { cursor } : {}) }, throwOnError: true });
      return data;
    }
    try {
      const { data } = await getPhoto({ client: api, path: { photoId }, query: { expand: 'reactions,comments', reactionsLimit: REACTIONS_PAGE }, throwOnError: true });
      setPhoto(data);
      setMissing(false);
      return data.reactionPage ?? { items: [] };
    } catch (e) {
      if (!isNotFound(e)) throw e;
      setMissing(true);
      return { items: [] };
    }
  });

  if (missing) {
    return (
      <Screen title="Photo not found">
        <NotFound what="photo" />
      </Screen>
    );
  }
  return (
    <Screen title={photo?.caption ?? 'Photo'} wide>
      {!shown && reactions.error === undefined ? <PhotoSkeleton photoId={photoId} /> : null}
      {!shown && reactions.error !== undefined ? <MoreSentinel list={reactions} /> : null}
      {shown ? (
        <article class="photo detail">
          <div class="detail-media">
            <PhotoImage photo={shown} variant="feed" alt={shown.caption ?? `Photo by ${shown.username}`} eager />
          </div>
          <div class="detail-side">
            <header>
              {/* The author's card comes with the photo: no profile call. */}
              <a class="author" href={`/u/${shown.username}`}>
                <Avatar name={shown.username} image={shown.author.avatar} size={32} />
                <span>{shown.author.name}</span>
              </a>
              <Ago at={shown.timestamp} />
              <PhotoMenu photo={shown} onEdit={() => setEditing(true)} />
            </header>
            <CaptionEditor
              photo={shown}
              editing={editing}
              onDone={(caption, entities) => {
                setEditing(false);
                if (caption !== undefined) setPhoto({ ...shown, caption: caption ?? undefined, ...(entities ? { entities } : {}) });
              }}
            />
            <ReactionBar photo={shown} mine={shown.myReactions} onChange={() => setVersion((v) => v + 1)} />
            <h2>Reactions</h2>
            {reactions.busy && reactions.items.length === 0 ? <RowsSkeleton count={2} /> : null}
            {reactions.done && reactions.items.length === 0 ? <p class="muted caption">No reactions yet: be the first.</p> : null}
            <ul class="people" aria-label="Who reacted">
              {reactions.items.map((r) => (
                <PersonRow key={`${r.reactingUser}-${r.reactionType}`} username={r.reactingUser} name={r.user?.name} avatar={r.user?.avatar}>
                  <span role="img" aria-label={REACTIONS.find((x) => x.type === r.reactionType)?.label}>
                    {REACTIONS.find((x) => x.type === r.reactionType)?.glyph}
                  </span>
                </PersonRow>
              ))}
            </ul>
            <MoreSentinel list={reactions} started={reactions.items.length > 0} />
            <Conversation photo={shown} firstPage={shown.commentPage} onChange={(changed) => setPhoto({ ...shown, ...changed })} />
          </div>
        </article>
      ) : null}
    </Screen>
  );
}
