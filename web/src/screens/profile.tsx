/** A user's profile: who they are, their counts, follow / unfollow, and their photo grid. */
import { useEffect, useState } from 'preact/hooks';
import { followUser, getUser, listUserPhotos, unfollowUser, type Profile as User } from '../../../client/src/index.js';
import { api, currentUser } from '../session.js';
import { Avatar, MoreSentinel, Notice, photoSrc, problem, Screen, usePaged } from '../ui.js';

export function Profile({ username = '' }: { username?: string }) {
  const [user, setUser] = useState<User>();
  const [error, setError] = useState<string>();
  const [following, setFollowing] = useState<boolean | undefined>();
  const me = currentUser.value;

  useEffect(() => {
    setUser(undefined);
    getUser({ client: api, path: { username }, throwOnError: true })
      .then(({ data }) => setUser(data))
      .catch((e: unknown) => setError(problem(e)));
  }, [username]);

  const photos = usePaged(username, async (cursor) => {
    const { data } = await listUserPhotos({ client: api, path: { username }, query: { limit: 18, ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });

  async function toggleFollow() {
    try {
      if (following) await unfollowUser({ client: api, path: { username }, throwOnError: true });
      else await followUser({ client: api, path: { username }, throwOnError: true });
      setFollowing(!following);
      const { data } = await getUser({ client: api, path: { username }, throwOnError: true });
      setUser(data);
    } catch (e) {
      setError(problem(e));
    }
  }

  return (
    <Screen title={user ? `${user.name} (@${username})` : `@${username}`}>
      <Notice error={error} />
      <header class="profile">
        <Avatar name={username} size={72} />
        <div>
          <h1>{user?.name ?? username}</h1>
          <p class="muted">@{username}</p>
          {user?.status ? <p>{user.status}</p> : null}
          <p class="counts">
            <a href={`/u/${username}/followers`}>
              <strong>{user?.followers ?? '–'}</strong> followers
            </a>
            <a href={`/u/${username}/following`}>
              <strong>{user?.following ?? '–'}</strong> following
            </a>
          </p>
          {me && me !== username && user ? (
            <button type="button" class={following ? '' : 'primary'} onClick={() => void toggleFollow()}>
              {following ? 'Unfollow' : 'Follow'}
            </button>
          ) : null}
        </div>
      </header>
      <Notice error={photos.error} />
      <ul class="grid" aria-label="Photos">
        {photos.items.map((photo) => (
          <li key={photo.id}>
            <a href={`/p/${photo.id}`} aria-label={`Photo of ${new Date(photo.timestamp).toLocaleString()}`}>
              <img src={photoSrc(photo, 'thumb')} alt="" loading="lazy" width={1} height={1} />
            </a>
          </li>
        ))}
      </ul>
      {photos.done && photos.items.length === 0 ? <p class="muted">No photos yet.</p> : null}
      <MoreSentinel done={photos.done} busy={photos.busy} more={photos.more} />
    </Screen>
  );
}
