/** Small pieces every screen shares: error notices, avatars, paged lists with infinite scroll. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ErrorResponse, Photo } from '../../client/src/index.js';

/** What the API said went wrong, in words for people (the code stays for tests and support). */
export function problem(error: unknown): string {
  const body = error as Partial<ErrorResponse> | undefined;
  if (body?.error?.message) return body.error.message;
  return 'Something went wrong; check your connection and try again.';
}

export function Notice({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p class="notice" role="alert">
      {error}
    </p>
  );
}

/**
 * The signed URL of a photo's variant by name (thumb, feed, full), falling back to the feed-size
 * `imageUrl`; undefined for a photo with no stored image. Signed URLs expire (urlsExpireAt):
 * screens re-fetch the photo rather than keep one.
 */
export function photoSrc(photo: Pick<Photo, 'variants' | 'imageUrl'>, name: 'thumb' | 'feed' | 'full'): string | undefined {
  const webp = photo.variants?.find((v) => v.name === name && v.contentType === 'image/webp');
  return webp?.url ?? photo.imageUrl;
}

export function Avatar({ name, size = 40 }: { name: string; size?: number }) {
  // A placeholder until profile pictures arrive: the initial on a colour derived from the name.
  let hue = 0;
  for (const char of name) hue = (hue * 31 + char.charCodeAt(0)) % 360;
  return (
    <span class="avatar" aria-hidden="true" style={{ width: `${size}px`, height: `${size}px`, background: `hsl(${hue} 45% 40%)` }}>
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

export function Screen({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · quick-photos`;
  }, [title]);
  return (
    <main class="screen" aria-label={title}>
      {children}
    </main>
  );
}

export interface PageOf<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * Pages through a list: the first page when `key` changes, the next on `more()`. `load`
 * returns a page or throws what the API answered. A reload started by a new `key` wins over
 * answers still on their way for the old one.
 */
export function usePaged<T>(key: string, load: (cursor: string | undefined) => Promise<PageOf<T>>) {
  const [items, setItems] = useState<T[]>([]);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const state = useRef({ cursor: undefined as string | undefined, generation: 0, load });
  state.current.load = load;

  const fetchPage = useCallback(async (reset: boolean) => {
    const current = state.current;
    if (reset) {
      current.generation += 1;
      current.cursor = undefined;
    }
    const mine = current.generation;
    setBusy(true);
    try {
      const page = await current.load(current.cursor);
      if (mine !== current.generation) return;
      current.cursor = page.nextCursor;
      setItems((old) => (reset ? page.items : [...old, ...page.items]));
      setDone(page.nextCursor === undefined);
      setError(undefined);
    } catch (e) {
      if (mine === current.generation) setError(problem(e));
    } finally {
      if (mine === current.generation) setBusy(false);
    }
  }, []);

  useEffect(() => {
    setItems([]);
    setDone(false);
    void fetchPage(true);
  }, [key, fetchPage]);

  const more = useCallback(() => fetchPage(false), [fetchPage]);
  return { items, setItems, done, busy, error, more };
}

/** Loads the next page when it scrolls into view; a button for keyboards and old browsers. */
export function MoreSentinel({ done, busy, more }: { done: boolean; busy: boolean; more: () => Promise<void> }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const node = ref.current;
    if (!node || done) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !busy) void more();
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [done, busy, more]);
  if (done) return null;
  return (
    <button ref={ref} class="more" type="button" disabled={busy} onClick={() => void more()}>
      {busy ? 'Loading…' : 'Load more'}
    </button>
  );
}
