/** Followers and following: who follows a user, and whom the user follows, with profiles and follow buttons. */
import { listFollowers, listFollowing, type FriendshipWithProfile } from '@quick-photos/client';
import { Users } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { RowsSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { FollowButton, PersonRow, relationOf } from '../social.js';
import { Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';

function PeopleList({ title, people, other }: { title: string; people: ReturnType<typeof usePaged<FriendshipWithProfile>>; other: (f: FriendshipWithProfile) => string }) {
  return (
    <Screen title={title}>
      <h1>{title}</h1>
      <ul class="people">
        {people.items.map((f) => {
          const username = other(f);
          return (
            <PersonRow key={username} username={username} name={f.user?.name} avatar={f.user?.avatar}>
              {f.user ? <FollowButton username={username} initial={relationOf(f.user.viewer)} /> : null}
            </PersonRow>
          );
        })}
      </ul>
      {people.busy && people.items.length === 0 ? <RowsSkeleton /> : null}
      {people.done && people.items.length === 0 ? <Empty icon={Users} title="Nobody yet" action={{ href: '/search', label: 'Find people to follow' }} /> : null}
      <MoreSentinel list={people} started={people.items.length > 0} />
    </Screen>
  );
}

export function Followers({ username = '' }: { username?: string }) {
  const people = usePaged(`followers:${username}`, async (cursor) => {
    const { data } = await listFollowers({ client: api, path: { username }, query: { expand: 'profile', ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return <PeopleList title={`Followers of @${username}`} people={people} other={(f) => f.followingUser} />;
}

export function Following({ username = '' }: { username?: string }) {
  const people = usePaged(`following:${username}`, async (cursor) => {
    const { data } = await listFollowing({ client: api, path: { username }, query: { expand: 'profile', ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  return <PeopleList title={`Followed by @${username}`} people={people} other={(f) => f.followedUser} />;
}
