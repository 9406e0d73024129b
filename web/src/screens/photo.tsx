/** One photo: the image, its reaction counts, my reactions toggled in place, who reacted. */
import { useEffect, useState } from 'preact/hooks';
import {
  getPhoto,
  listPhotoReactions,
  reactToPhoto,
  removeReaction,
  type Photo,
  type Reaction,
} from '../../../client/src/index.js';
import { api, currentUser } from '../session.js';
import { MoreSentinel, Notice, photoSrc, problem, Screen, usePaged } from '../ui.js';

const REACTIONS: { type: Reaction['reactionType']; label: string; glyph: string }[] = [
  { type: '+1', label: 'Plus one', glyph: '+1' },
  { type: 'smiley', label: 'Smiley', glyph: '😊' },
  { type: 'sunglasses', label: 'Sunglasses', glyph: '😎' },
  { type: 'heart', label: 'Heart', glyph: '❤️' },
];

export function PhotoDetail({ photoId = '' }: { photoId?: string }) {
  const [photo, setPhoto] = useState<Photo>();
  const [error, setError] = useState<string>();
  const me = currentUser.value;

  useEffect(() => {
    getPhoto({ client: api, path: { photoId }, throwOnError: true })
      .then(({ data }) => setPhoto(data))
      .catch((e: unknown) => setError(problem(e)));
  }, [photoId]);

  const reactions = usePaged(photoId, async (cursor) => {
    const { data } = await listPhotoReactions({ client: api, path: { photoId }, query: { limit: 50, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  const mine = new Set(reactions.items.filter((r) => r.reactingUser === me).map((r) => r.reactionType));

  async function toggle(type: Reaction['reactionType']) {
    if (!photo || !me) return;
    const had = mine.has(type);
    try {
      if (had) {
        await removeReaction({ client: api, path: { photoId, type }, throwOnError: true });
        reactions.setItems((items) => items.filter((r) => !(r.reactingUser === me && r.reactionType === type)));
      } else {
        const { data } = await reactToPhoto({ client: api, path: { photoId, type }, throwOnError: true });
        reactions.setItems((items) => [data, ...items]);
      }
      const { data } = await getPhoto({ client: api, path: { photoId }, throwOnError: true });
      setPhoto(data);
    } catch (e) {
      setError(problem(e));
    }
  }

  return (
    <Screen title="Photo">
      <Notice error={error} />
      {photo ? (
        <article class="photo">
          <header>
            <a href={`/u/${photo.username}`}>@{photo.username}</a>
            <time dateTime={photo.timestamp}>{new Date(photo.timestamp).toLocaleString()}</time>
          </header>
          <img src={photoSrc(photo, 'feed')} alt={`Photo by ${photo.username}`} />
          <div class="reactions" role="group" aria-label="Reactions">
            {REACTIONS.map(({ type, label, glyph }) => (
              <button key={type} type="button" aria-pressed={mine.has(type)} aria-label={`${label}: ${photo.reactions[type]}`} onClick={() => void toggle(type)}>
                <span aria-hidden="true">{glyph}</span> {photo.reactions[type]}
              </button>
            ))}
          </div>
        </article>
      ) : null}
      <h2>Reactions</h2>
      <ul class="people">
        {reactions.items.map((r) => (
          <li key={`${r.reactingUser}-${r.reactionType}`}>
            <a href={`/u/${r.reactingUser}`}>@{r.reactingUser}</a> {REACTIONS.find((x) => x.type === r.reactionType)?.glyph}
          </li>
        ))}
      </ul>
      <MoreSentinel done={reactions.done} busy={reactions.busy} more={reactions.more} />
    </Screen>
  );
}
