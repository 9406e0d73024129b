/** Small pieces every screen shares: error notices, images and avatars, the screen frame, times ago (paged lists: paged.tsx). */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { thumbHashToDataURL } from 'thumbhash';
import type { ErrorResponse, Image, ImageVariant, Photo } from '@quick-photos/client';

/** What the API said went wrong, in words for people (the code stays for tests and support). */
export function problem(error: unknown): string {
  if (isErrorResponse(error) && error.error.message) return error.error.message;
  return 'Something went wrong; check your connection and try again.';
}

/** The API's error body (a network failure throws a TypeError instead). */
/**
 * A person's action (a form's submit, a menu's command): `busy` while it runs, `error` in words
 * when it failed; a success clears the error. Written once so every form behaves alike.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function act(action: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    try {
      await action();
      setError(undefined);
      return true;
    } catch (e) {
      setError(problem(e));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, act };
}

export function isErrorResponse(value: unknown): value is ErrorResponse {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const { error } = value;
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && 'code' in error && typeof error.code === 'string';
}

/** An error said aloud (role=alert); `inline` for one beside a button in a row. */
export function Notice({ error, inline = false }: { error: string | undefined; inline?: boolean }) {
  if (!error) return null;
  const Tag = inline ? 'span' : 'p';
  return (
    <Tag class="notice" role="alert">
      {error}
    </Tag>
  );
}

/**
 * The signed URL of a variant by name (photos: thumb, feed, full; avatars: small, large),
 * WebP first, falling back to the feed-size `imageUrl`. Signed URLs expire (urlsExpireAt):
 * screens re-fetch the resource rather than keep one.
 */
export function photoSrc(photo: { variants?: ImageVariant[]; imageUrl?: string }, name: string): string | undefined {
  const webp = photo.variants?.find((v) => v.name === name && v.contentType === 'image/webp') ?? photo.variants?.find((v) => v.name === name);
  return webp?.url ?? photo.imageUrl;
}

const placeholders = new Map<string, string>();

/** The ThumbHash as a tiny PNG data URL (decoded once per hash). */
export function placeholderUrl(hash: string | undefined): string | undefined {
  if (!hash) return undefined;
  let url = placeholders.get(hash);
  if (!url) {
    try {
      url = thumbHashToDataURL(Uint8Array.from(atob(hash), (c) => c.charCodeAt(0)));
    } catch {
      url = '';
    }
    if (placeholders.size > 500) placeholders.clear();
    placeholders.set(hash, url);
  }
  return url || undefined;
}

/**
 * A photo laid out before it loads: the box takes the photo's aspect ratio (from width and
 * height) so nothing below it moves, and paints the ThumbHash until the image arrives.
 */
export function PhotoImage(props: { photo: Pick<Photo, 'variants' | 'imageUrl' | 'width' | 'height' | 'placeholder'>; variant: string; alt: string; square?: boolean; eager?: boolean }) {
  const { photo } = props;
  const width = props.square ? 1 : (photo.width ?? 1);
  const height = props.square ? 1 : (photo.height ?? 1);
  const placeholder = placeholderUrl(photo.placeholder);
  return (
    // --ar lets a layout bound the box's height (the desktop photo page) without distorting it.
    <div class="frame" style={{ aspectRatio: `${width} / ${height}`, '--ar': width / height, ...(placeholder ? { backgroundImage: `url(${placeholder})` } : {}) }}>
      <img src={photoSrc(photo, props.variant)} alt={props.alt} loading={props.eager ? 'eager' : 'lazy'} decoding="async" width={width} height={height} />
    </div>
  );
}

/** A profile picture, or the initial on a colour derived from the name when there is none. */
export function Avatar({ name, image, size = 40 }: { name: string; image?: Image | undefined; size?: number }) {
  const src = image ? photoSrc(image, size > 64 ? 'large' : 'small') : undefined;
  if (src) return <img class="avatar" src={src} alt="" width={size} height={size} style={{ width: `${size}px`, height: `${size}px` }} />;
  let hue = 0;
  for (const char of name) hue = (hue * 31 + char.charCodeAt(0)) % 360;
  return (
    <span class="avatar" aria-hidden="true" style={{ width: `${size}px`, height: `${size}px`, background: `hsl(${hue} 45% 35%)` }}>
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

/** A screen's main landmark; `wide` for the screens laid out in columns on a desktop (feed, profile, photo). */
export function Screen({ title, wide = false, children }: { title: string; wide?: boolean; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · quick-photos`;
  }, [title]);
  return (
    <main id="content" tabIndex={-1} class={wide ? 'screen wide' : 'screen'} aria-label={title}>
      {children}
    </main>
  );
}

const UNITS: [limit: number, seconds: number, unit: string][] = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [7 * 86_400, 86_400, 'd'],
  [365 * 86_400, 7 * 86_400, 'w'],
];

/** "now", "5 min", "3 h", "2 d", "6 w", then the date: how long ago, as people read a feed. */
/** The API's timestamps are UTC, written without a zone (the lab's format): read them as UTC. */
const utc = (iso: string): Date => new Date(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);

export function ago(iso: string, now = Date.now()): string {
  const then = utc(iso).getTime();
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 10) return 'now';
  for (const [limit, size, unit] of UNITS) if (seconds < limit) return `${Math.floor(seconds / size)} ${unit}`;
  return new Date(then).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

const LONG_PRESS_MS = 500;

/**
 * A time as "3 h", with the full date and time on hover (`title`, which screen readers read
 * too) and, where there is no hover, on a long press (or the context menu), until the next touch or click.
 */
export function Ago({ at }: { at: string }) {
  const full = utc(at).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
  const [open, setOpen] = useState(false);
  const pressing = useRef<ReturnType<typeof setTimeout>>(undefined);
  // A layout effect: the next touch closes it even when it comes before the next frame.
  useLayoutEffect(() => {
    if (!open) return;
    const close = () => setOpen(false);
    document.addEventListener('pointerdown', close);
    return () => {
      document.removeEventListener('pointerdown', close);
    };
  }, [open]);
  useEffect(() => () => clearTimeout(pressing.current), []);
  const release = () => clearTimeout(pressing.current);
  return (
    <span class="ago-wrap">
      <time
        class="muted ago"
        dateTime={at}
        title={full}
        onContextMenu={(e) => {
          e.preventDefault();
          setOpen(true);
        }}
        onPointerDown={(e) => {
          release();
          if (e.pointerType === 'touch') pressing.current = setTimeout(() => setOpen(true), LONG_PRESS_MS);
        }}
        onPointerUp={release}
        onPointerCancel={release}
      >
        {ago(at)}
      </time>
      {open ? (
        <span class="ago-full" role="tooltip">
          {full}
        </span>
      ) : null}
    </span>
  );
}

/** What a screen shows for a user or photo that does not exist (or is not there for this viewer). */
export function NotFound({ what }: { what: 'account' | 'photo' }) {
  return (
    <section class="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{what === 'account' ? 'This account isn’t here' : 'This photo isn’t here'}</h1>
      <p class="muted">{what === 'account' ? 'The link may be wrong, or the account was deleted.' : 'The link may be wrong, or the photo was deleted or is not shared with you.'}</p>
      <p>
        <a class="button" href="/">
          Back to your feed
        </a>
      </p>
    </section>
  );
}

/** An answer that means "no such thing here" for a screen about one user or photo. */
export function isNotFound(error: unknown): boolean {
  return isErrorResponse(error) && /NOT_FOUND$|^VALIDATION_FAILED$|^INVALID_PHOTO_ID$/.test(error.error.code);
}
