/**
 * What a screen shows while its first page loads: the shapes of what is coming, in grey (text,
 * avatars), and photos as their final boxes. A photo already seen in a list (its width, height
 * and ThumbHash are known, see `remember`) is laid out at its size and painted with its
 * placeholder; an unknown one is a square. Hidden from screen readers, which hear "Loading…".
 */
import type { ComponentChildren } from 'preact';
import type { Photo } from '@quick-photos/client';
import { placeholderUrl } from '../ui.js';

type Known = Pick<Photo, 'id' | 'width' | 'height' | 'placeholder'>;

/** Photos seen in lists, by id, so a photo's page lays it out before its own read answers. */
const seen = new Map<string, Known>();
const SEEN_LIMIT = 500;

/** Keeps the layout facts of the photos a list showed (bounded: the oldest go first). */
export function remember(photos: Known[]): void {
  for (const { id, width, height, placeholder } of photos) {
    seen.delete(id);
    seen.set(id, { id, width, height, placeholder });
  }
  for (const id of seen.keys()) {
    if (seen.size <= SEEN_LIMIT) break;
    seen.delete(id);
  }
}

export const known = (id: string): Known | undefined => seen.get(id);

/** A grey line of text, `width` of its container. */
export const Bone = ({ width = '60%', tall = false }: { width?: string; tall?: boolean }) => <span class={tall ? 'bone tall' : 'bone'} style={{ width }} />;

const Circle = ({ size }: { size: number }) => <span class="bone circle" style={{ width: `${size}px`, height: `${size}px` }} />;

/** The box of a photo not loaded yet: at its size with its ThumbHash when known, else a grey square. */
export function PhotoBox({ photo }: { photo?: Known | undefined }) {
  if (!photo?.width || !photo.height) return <div class="frame bone-box" style={{ aspectRatio: '1 / 1', '--ar': 1 }} />;
  const placeholder = placeholderUrl(photo.placeholder);
  return (
    <div
      class="frame bone-box"
      style={{ aspectRatio: `${photo.width} / ${photo.height}`, '--ar': photo.width / photo.height, ...(placeholder ? { backgroundImage: `url(${placeholder})` } : {}) }}
    />
  );
}

function Loading({ class: className, children }: { class: string; children: ComponentChildren }) {
  return (
    <div class={`skeleton ${className}`} aria-busy="true">
      <span class="sr-only" role="status">
        Loading…
      </span>
      <div aria-hidden="true">{children}</div>
    </div>
  );
}

/** Feed cards: author, photo, caption. */
export function FeedSkeleton({ count = 2 }: { count?: number }) {
  return (
    <Loading class="feed-skeleton">
      {Array.from({ length: count }, (_, i) => (
        <div class="photo" key={i}>
          <div class="card-head">
            <Circle size={32} />
            <Bone width="40%" />
          </div>
          <PhotoBox />
          <div class="card-text">
            <Bone width="70%" />
          </div>
        </div>
      ))}
    </Loading>
  );
}

/** A square photo grid. */
export function GridSkeleton({ count = 9 }: { count?: number }) {
  return (
    <Loading class="grid-skeleton">
      <div class="grid">
        {Array.from({ length: count }, (_, i) => (
          <div class="bone-box" key={i} />
        ))}
      </div>
    </Loading>
  );
}

/** People (or activity) rows: avatar and two lines. */
export function RowsSkeleton({ count = 5 }: { count?: number }) {
  return (
    <Loading class="rows-skeleton">
      {Array.from({ length: count }, (_, i) => (
        <div class="row" key={i}>
          <Circle size={40} />
          <span class="lines">
            <Bone width={`${40 + ((i * 17) % 35)}%`} />
            <Bone width="30%" />
          </span>
        </div>
      ))}
    </Loading>
  );
}

/** A profile's header: avatar, name, counts. */
export function ProfileSkeleton() {
  return (
    <Loading class="profile-skeleton">
      <div class="profile">
        <Circle size={80} />
        <span class="lines">
          <Bone width="50%" tall />
          <Bone width="30%" />
          <Bone width="60%" />
        </span>
      </div>
    </Loading>
  );
}

/** A photo's page before its read answers: the box (sized, painted when the photo was seen in a list) and grey text. */
export function PhotoSkeleton({ photoId }: { photoId: string }) {
  return (
    <Loading class="detail">
      <div class="detail-media">
        <PhotoBox photo={known(photoId)} />
      </div>
      <div class="detail-side">
        <div class="card-head">
          <Circle size={32} />
          <Bone width="40%" />
        </div>
        <div class="card-text">
          <Bone width="80%" />
          <Bone width="50%" />
        </div>
      </div>
    </Loading>
  );
}
