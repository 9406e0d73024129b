/** Home: the photos of the people I follow (and mine), newest first, paged as it scrolls. */
import { useEffect, useState } from 'preact/hooks';
import { getFeed, type FeedItem } from '@quick-photos/client';
import { Users } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { DESKTOP_QUERY, useMedia } from '../layout/frame.js';
import { FeedSkeleton, remember } from '../layout/skeleton.js';
import { newPosts } from '../layout/unread.js';
import { api } from '../session.js';
import { Caption } from '../caption.js';
import { CommentPreviews } from '../comment-previews.js';
import { ReactionBar } from '../social.js';
import { lazyComponent } from '../dialogs/lazy.js';
import { Ago, Avatar, PhotoImage, Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';

// Suggestions show beside the feed on a desktop, and on a phone only when the feed is empty:
// their code comes when they do, not with the first screen.
const SuggestedPeople = lazyComponent(() => import('../suggestions.js').then((m) => m.SuggestedPeople));
const Suggestions = lazyComponent(() => import('../layout/suggestions.js').then((m) => m.Suggestions));

function FeedCard({ item, first }: { item: FeedItem; first: boolean }) {
  const { photo, author } = item;
  return (
    <article class="photo" aria-label={`Photo by ${author.name}`}>
      <header>
        <a class="author" href={`/u/${author.username}`}>
          <Avatar name={author.username} image={author.avatar} size={32} />
          <span>{author.name}</span>
        </a>
        <Ago at={photo.timestamp} />
      </header>
      <a href={`/p/${photo.id}`} aria-label={`Open the photo by ${author.name}${photo.caption ? `: ${photo.caption}` : ''}`}>
        <PhotoImage photo={photo} variant="feed" alt={photo.caption ?? `Photo by ${author.name}`} eager={first} />
      </a>
      {photo.caption ? <Caption text={photo.caption} entities={photo.entities} /> : null}
      <ReactionBar photo={photo} mine={photo.myReactions} />
      <CommentPreviews photo={photo} />
    </article>
  );
}

export function Feed() {
  // Bumped by the "new posts" pill: a new key reloads the feed from its first page.
  const [generation, setGeneration] = useState(0);
  const feed = usePaged(`feed:${String(generation)}`, async (cursor) => {
    const { data } = await getFeed({ client: api, query: { limit: 8, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  // The suggestions column only where there is room for it: phones never ask for it.
  const desktop = useMedia(DESKTOP_QUERY);
  useEffect(() => remember(feed.items.map((item) => item.photo)), [feed.items]);
  // A feed loaded now holds every post so far.
  useEffect(() => {
    newPosts.value = 0;
  }, [generation]);
  const showNew = () => {
    setGeneration((g) => g + 1);
    window.scrollTo({ top: 0 });
  };
  return (
    <Screen title="Home" wide>
      <div class="home">
        <div>
          <h1 class="sr-only">Home</h1>
          {newPosts.value > 0 ? (
            <button type="button" class="new-posts" onClick={showNew}>
              New posts
            </button>
          ) : null}
          {feed.busy && feed.items.length === 0 ? <FeedSkeleton /> : null}
          <div class="feed">
            {feed.items.map((item, i) => (
              <FeedCard key={item.photo.id} item={item} first={i < 2} />
            ))}
          </div>
          {feed.done && feed.items.length === 0 ? (
            <>
              <Empty icon={Users} title="Your feed is empty" action={{ href: '/search', label: 'Find people to follow' }}>
                Photos from the people you follow show up here. You can also <a href="/explore">explore</a> or <a href="/upload">share a photo</a>.
              </Empty>
              {/* The desktop's suggestions column already offers them beside the feed. */}
              {desktop ? null : <SuggestedPeople />}
            </>
          ) : null}
          <MoreSentinel list={feed} started={feed.items.length > 0} />
        </div>
        {desktop ? <Suggestions /> : null}
      </div>
    </Screen>
  );
}
