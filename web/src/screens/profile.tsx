/** A user's profile: avatar, counts, follow / request / unfollow, a menu to report or block, and the photo grid. */
import { useEffect, useState } from 'preact/hooks';
import { getUser, listUserPhotos, type Profile as User } from '@quick-photos/client';
import { Camera, Images } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { GridSkeleton, ProfileSkeleton, remember } from '../layout/skeleton.js';
import { api, currentUser } from '../session.js';
import { FollowButton, relationOf, type FollowChange } from '../social.js';
import { ProfileMenu } from './profile-menu.js';
import { Avatar, isNotFound, MoreSentinel, NotFound, Notice, PhotoImage, problem, Screen, usePaged } from '../ui.js';

export function Profile({ username = '' }: { username?: string }) {
  const [user, setUser] = useState<User>();
  // The name that answered 404: a not-found page rather than an empty profile.
  const [missing, setMissing] = useState<string>();
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  const me = currentUser.value;
  const mine = me === username;

  useEffect(() => {
    getUser({ client: api, path: { username }, throwOnError: true })
      .then(({ data }) => {
        setUser(data);
        setError(undefined);
        setMissing(undefined);
      })
      .catch((e: unknown) => (isNotFound(e) ? setMissing(username) : setError(problem(e))));
  }, [username, version]);

  const shown = user?.username === username ? user : undefined;
  const hidden = shown?.private && !mine && !shown.viewer?.following;
  // The photos wait for the profile: on a private account the viewer may not see them, and asking would be wasted.
  const photos = usePaged(
    `${username}:${hidden ? 'hidden' : 'open'}:${version}`,
    async (cursor) => {
      const { data } = await listUserPhotos({ client: api, path: { username }, query: { limit: 18, ...(cursor ? { cursor } : {}) }, throwOnError: true });
      return data;
    },
    !shown || Boolean(hidden),
  );
  useEffect(() => remember(photos.items), [photos.items]);
  const refresh = () => setVersion((v) => v + 1);
  // The write's answer is the new relation (and a 201 a new follower), so the profile is not read again;
  // the photos are re-read only if that changes whether they are visible (the key above).
  const followed = (change: FollowChange) =>
    setUser((old) =>
      old && old.username === username
        ? {
            ...old,
            followers: Math.max(0, old.followers + change.followersDelta),
            viewer: { ...(old.viewer ?? { followedBy: false, blocking: false }), following: change.relation === 'following', requested: change.relation === 'requested' },
          }
        : old,
    );

  if (missing === username) {
    return (
      <Screen title="Account not found">
        <NotFound what="account" />
      </Screen>
    );
  }
  return (
    <Screen title={shown ? `${shown.name} (@${username})` : `@${username}`} wide>
      <Notice error={error} />
      {!shown && !error ? <ProfileSkeleton /> : null}
      <header class={shown ? 'profile' : 'profile sr-only'}>
        <Avatar name={username} image={shown?.avatar} size={80} />
        <div class="who">
          <h1>{shown?.name ?? username}</h1>
          <p class="muted">
            @{username}
            {shown?.private ? ' · private account' : ''}
            {shown?.viewer?.followedBy ? ' · follows you' : ''}
          </p>
          {shown?.status ? <p>{shown.status}</p> : null}
          <p class="counts">
            <a href={`/u/${username}/followers`}>
              <strong>{shown?.followers ?? '–'}</strong> {shown?.followers === 1 ? 'follower' : 'followers'}
            </a>
            <a href={`/u/${username}/following`}>
              <strong>{shown?.following ?? '–'}</strong> following
            </a>
          </p>
          <div class="actions">
            {shown?.viewer && !mine ? <FollowButton key={`${username}:${relationOf(shown.viewer)}`} username={username} initial={relationOf(shown.viewer)} onChange={followed} /> : null}
            {mine ? <a class="button" href="/settings">Settings</a> : null}
            {shown && !mine ? <ProfileMenu key={`${username}:${String(shown.viewer?.blocking)}`} username={username} blocking={shown.viewer?.blocking ?? false} onChange={refresh} /> : null}
          </div>
        </div>
      </header>
      {!shown ? null : hidden ? (
        <p class="muted">This account is private: follow it to see its photos.</p>
      ) : (
        <>
          <ul class="grid" aria-label="Photos">
            {photos.items.map((photo) => (
              <li key={photo.id}>
                <a href={`/p/${photo.id}`} aria-label={photo.caption ?? `Photo of ${new Date(photo.timestamp).toLocaleString()}`}>
                  <PhotoImage photo={photo} variant="thumb" alt="" square />
                </a>
              </li>
            ))}
          </ul>
          {photos.busy && photos.items.length === 0 ? <GridSkeleton /> : null}
          {photos.done && photos.items.length === 0 ? (
            mine ? (
              <Empty icon={Camera} title="Share your first photo" action={{ href: '/upload', label: 'Share your first photo' }}>
                Your photos show up here and in your followers’ feeds.
              </Empty>
            ) : (
              <Empty icon={Images} title="No photos yet">
                When @{username} shares photos, they show up here.
              </Empty>
            )
          ) : null}
          <MoreSentinel list={photos} started={photos.items.length > 0} />
        </>
      )}
    </Screen>
  );
}
