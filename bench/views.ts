/**
 * `npx tsx bench/views.ts`: the CPU of building a feed page's views (10 cards: a photo with its
 * variants' signed URLs, the viewer's fields and its author's card with an avatar), in this
 * process, with no network or engine in the way. With BENCH_BEFORE_DIR (a checkout of an
 * earlier commit, as for `npm run bench`) the same page is built by both checkouts' views in
 * interleaved rounds: on shared cores only the ratio within one run means anything.
 */
import { performance } from 'node:perf_hooks';
import { createMediaUrls, type MediaUrls } from '../src/blobs/urls.js';
import type { Photo, User } from '../src/schema/entities/index.js';
import * as current from '../src/http/views.js';

type Views = Pick<typeof current, 'photoForViewerView' | 'profileCardView'>;
interface Side {
  views: Views;
  urls: MediaUrls;
}

const ROUNDS = 20;
const PAGES_PER_ROUND = 500;

const variant = (name: string, format: string, width: number) => ({ name, format, width, height: Math.round(width * 0.75), key: `photos/author/p-${name}.${format}`, bytes: 1000 });
const variants = [variant('thumb', 'webp', 320), variant('feed', 'webp', 1080), variant('full', 'webp', 2048), variant('feed', 'jpeg', 1080)];
const cards = Array.from({ length: 10 }, (_, i) => ({
  photo: {
    username: `author${i}`,
    timestamp: `2026-12-0${(i % 9) + 1}T10:00:00`,
    reactions: { heart: 3, laugh: 1, 'thumbs-up': 0, 'plus-one': 0 },
    caption: `A caption with #tag and @someone ${i}`,
    variants,
    placeholder: 'placeholder',
    commentsOff: false,
  } as unknown as Photo,
  author: {
    username: `author${i}`,
    name: `Author ${i}`,
    status: 'Out shooting',
    interests: ['harbours'],
    followers: 10,
    following: 5,
    avatar: { variants: [variant('small', 'webp', 64), variant('large', 'webp', 320)], placeholder: 'placeholder' },
  } as unknown as User,
  comments: { commentCount: 2, previews: [{ author: 'someone', text: 'nice', timestamp: '2026-12-01T10:00:00' }] },
}));

async function side(dir?: string): Promise<Side> {
  const views = dir ? ((await import(`${dir}/src/http/views.ts`)) as Views) : current;
  const make = dir ? ((await import(`${dir}/src/blobs/urls.ts`)) as { createMediaUrls: typeof createMediaUrls }).createMediaUrls : createMediaUrls;
  return { views, urls: make({ secret: 'bench-secret-bench-secret-bench!', ttlSeconds: 3600, baseUrl: '' }).forViewer('http://localhost', 'viewer') };
}

function page({ views, urls }: Side) {
  return cards.map((c) => ({
    photo: views.photoForViewerView(c.photo, ['heart'], urls, c.comments),
    author: views.profileCardView(c.author, { follows: true, followedBy: false, requested: false }, urls),
  }));
}

/** Microseconds per page over `n` pages. */
function measure(s: Side, n: number): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) page(s);
  return ((performance.now() - started) * 1000) / n;
}

const sides: Record<string, Side> = { now: await side() };
if (process.env.BENCH_BEFORE_DIR) sides.before = await side(process.env.BENCH_BEFORE_DIR);
const names = Object.keys(sides);
for (const name of names) measure(sides[name]!, 2_000);
const results = new Map<string, number[]>(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? names : [...names].reverse()) results.get(name)!.push(measure(sides[name]!, PAGES_PER_ROUND));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const least = (xs: number[]) => Math.min(...xs);
for (const name of names) console.log(`${name}: views of a 10-card feed page, median ${median(results.get(name)!).toFixed(1)} µs, least ${least(results.get(name)!).toFixed(1)} µs`);
if (sides.before) {
  const [now, before] = [results.get('now')!, results.get('before')!];
  console.log(`now / before: median ${(median(now) / median(before)).toFixed(2)}, least ${(least(now) / least(before)).toFixed(2)}`);
}
