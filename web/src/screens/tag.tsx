/** A tag's photos, newest first, as a grid paged as it scrolls (like Explore). */
import { getTagPhotos, type FeedItem } from '@quick-photos/client';
import { Hash } from 'lucide-preact';
import { useRoute } from 'preact-iso';
import { Empty } from '../layout/empty.js';
import { GridSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { MoreSentinel, PhotoImage, Screen, usePaged } from '../ui.js';

/** Three columns: a page fills whole rows. */
const PAGE = 18;

export function TagPhotos() {
  const { params } = useRoute();
  const tag = params.tag ?? '';
  const photos = usePaged(`tag:${tag}`, async (cursor) => {
    const { data } = await getTagPhotos({ client: api, path: { tag }, query: { limit: PAGE, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return (
    <Screen title={`#${tag}`}>
      <h1>#{tag}</h1>
      <ul class="grid explore" aria-label={`Photos tagged ${tag}`}>
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
        <Empty icon={Hash} title="No photos yet">
          Nobody you can see has tagged a photo #{tag}. <a href="/upload">Share one</a>.
        </Empty>
      ) : null}
      <MoreSentinel list={photos} started={photos.items.length > 0} />
    </Screen>
  );
}
