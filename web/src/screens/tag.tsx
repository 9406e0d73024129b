/** A tag's photos, newest first, as a grid paged as it scrolls (like Explore). */
import { getTagPhotos } from '@quick-photos/client';
import { Hash } from 'lucide-preact';
import { useRoute } from 'preact-iso';
import { Empty } from '../layout/empty.js';
import { GridSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';
import { GRID_PAGE, PhotoGrid } from './photo-grid.js';

export function TagPhotos() {
  const { params } = useRoute();
  const tag = params.tag ?? '';
  const photos = usePaged(`tag:${tag}`, async (cursor) => {
    const { data } = await getTagPhotos({ client: api, path: { tag }, query: { limit: GRID_PAGE, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return (
    <Screen title={`#${tag}`}>
      <h1>#{tag}</h1>
      <PhotoGrid items={photos.items} label={`Photos tagged ${tag}`} />
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
