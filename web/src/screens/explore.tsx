/** Explore: recent public photos of people I do not follow, as a grid, paged as it scrolls. */
import { getExplore, type FeedItem } from '@quick-photos/client';
import { GridSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { MoreSentinel, PhotoImage, Screen, usePaged } from '../ui.js';

/** Three columns: a page fills whole rows. */
const PAGE = 18;

export function Explore() {
  const photos = usePaged('explore', async (cursor) => {
    const { data } = await getExplore({ client: api, query: { limit: PAGE, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return (
    <Screen title="Explore">
      <h1>Explore</h1>
      <ul class="grid explore" aria-label="Photos to explore">
        {photos.items.map((item: FeedItem, i) => (
          <li key={item.photo.id}>
            <a href={`/p/${item.photo.id}`} aria-label={`Photo by ${item.author.name}${item.photo.caption ? `: ${item.photo.caption}` : ''}`}>
              <PhotoImage photo={item.photo} variant="thumb" alt="" square eager={i < 6} />
            </a>
          </li>
        ))}
      </ul>
      {photos.busy && photos.items.length === 0 ? <GridSkeleton /> : null}
      {photos.done && photos.items.length === 0 ? (
        <p class="muted">
          Nothing to explore yet: nobody you don’t follow has shared a public photo. <a href="/upload">Share one</a> or <a href="/search">find people</a>.
        </p>
      ) : null}
      <MoreSentinel list={photos} started={photos.items.length > 0} />
    </Screen>
  );
}
