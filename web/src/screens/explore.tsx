/** Explore: recent public photos of people I do not follow, as a grid, paged as it scrolls. */
import { getExplore } from '@quick-photos/client';
import { GridSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';
import { GRID_PAGE, PhotoGrid } from './photo-grid.js';

export function Explore() {
  const photos = usePaged('explore', async (cursor) => {
    const { data } = await getExplore({ client: api, query: { limit: GRID_PAGE, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return (
    <Screen title="Explore">
      <h1>Explore</h1>
      <PhotoGrid items={photos.items} label="Photos to explore" />
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
