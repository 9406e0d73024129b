/** Followers and following: who follows a user, and whom the user follows, with profiles. */
import { listFollowers, listFollowing } from '../../../client/src/index.js';
import { api } from '../session.js';
import { Avatar, MoreSentinel, Notice, Screen, usePaged } from '../ui.js';

interface Person {
  username: string;
  name?: string;
}

function PeopleList({ title, people }: { title: string; people: ReturnType<typeof usePaged<Person>> }) {
  return (
    <Screen title={title}>
      <h1>{title}</h1>
      <Notice error={people.error} />
      <ul class="people">
        {people.items.map((person) => (
          <li key={person.username}>
            <a href={`/u/${person.username}`}>
              <Avatar name={person.username} size={32} />
              <span>{person.name ?? person.username}</span> <span class="muted">@{person.username}</span>
            </a>
          </li>
        ))}
      </ul>
      {people.done && people.items.length === 0 ? <p class="muted">Nobody yet.</p> : null}
      <MoreSentinel done={people.done} busy={people.busy} more={people.more} />
    </Screen>
  );
}

export function Followers({ username = '' }: { username?: string }) {
  const people = usePaged<Person>(`followers:${username}`, async (cursor) => {
    const { data } = await listFollowers({ client: api, path: { username }, query: cursor ? { cursor } : {}, throwOnError: true });
    return { items: data.items.map((f) => ({ username: f.followingUser })), ...(data.nextCursor ? { nextCursor: data.nextCursor } : {}) };
  });
  return <PeopleList title={`Followers of @${username}`} people={people} />;
}

export function Following({ username = '' }: { username?: string }) {
  const people = usePaged<Person>(`following:${username}`, async (cursor) => {
    const { data } = await listFollowing({ client: api, path: { username }, query: { expand: 'profile', ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return {
      items: data.items.map((f) => ({ username: f.followedUser, ...(f.user ? { name: f.user.name } : {}) })),
      ...(data.nextCursor ? { nextCursor: data.nextCursor } : {}),
    };
  });
  return <PeopleList title={`Followed by @${username}`} people={people} />;
}
