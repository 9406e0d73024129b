/** Home: the photos of the people I follow (and mine), newest first, paged as it scrolls. */
import { getFeed, type FeedItem } from '../../../client/src/index.js';
import { api } from '../session.js';
import { ReactionBar } from '../social.js';
import { SuggestedPeople } from '../suggestions.js';
import { Ago, Avatar, MoreSentinel, PhotoImage, Screen, usePaged } from '../ui.js';

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
      {photo.caption ? <p class="caption">{photo.caption}</p> : null}
      <ReactionBar photo={photo} mine={photo.myReactions} />
    </article>
  );
}

export function Feed() {
  const feed = usePaged('feed', async (cursor) => {
    const { data } = await getFeed({ client: api, query: { limit: 8, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return (
    <Screen title="Home">
      <h1>Home</h1>
      <div class="feed">
        {feed.items.map((item, i) => (
          <FeedCard key={item.photo.id} item={item} first={i < 2} />
        ))}
      </div>
      {feed.done && feed.items.length === 0 ? (
        <>
          <p class="muted">
            Nothing here yet. Follow people to see their photos, <a href="/explore">explore</a> or <a href="/upload">share a photo</a>.
          </p>
          <SuggestedPeople />
        </>
      ) : null}
      <MoreSentinel list={feed} started={feed.items.length > 0} />
    </Screen>
  );
}
