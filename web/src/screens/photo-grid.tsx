/** The square photo grid that Explore and a tag's page show, each cell a link to its photo. */
import type { FeedItem } from '@quick-photos/client';
import { PhotoImage } from '../ui.js';

/** Three columns: a page fills whole rows. */
export const GRID_PAGE = 18;

export function PhotoGrid({ items, label }: { items: FeedItem[]; label: string }) {
  return (
    <ul class="grid explore" aria-label={label}>
      {items.map((item, i) => (
        <li key={item.photo.id}>
          <a href={`/p/${item.photo.id}`} aria-label={`Photo by ${item.author.name}${item.photo.caption ? `: ${item.photo.caption}` : ''}`}>
            <PhotoImage photo={item.photo} variant="thumb" alt="" square eager={i < 6} />
          </a>
        </li>
      ))}
    </ul>
  );
}
