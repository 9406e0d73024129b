/** A user's profile: avatar, counts, follow / request / unfollow, a menu to report or block, and the photo grid. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getUser, listUserPhotos, type Profile as User } from '@quick-photos/client';
import { Camera, Images } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { GridSkeleton, ProfileSkeleton, remember } from '../layout/skeleton.js';
import { api, currentUser } from '../session.js';
import { FollowButton, relationOf, type FollowChange } from '../social.js';
import { ProfileMenu } from './profile-menu.js';
import { Avatar, isNotFound, NotFound, PhotoImage, Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';

const PAGE = 18;

export function Profile({ username = '' }: { username?: string }) {
  const [user, setUser] = useState<User>();
  // The name that answered 404: a not-found page rather than an empty profile.
  const [missing, setMissing] = useState<string>();
  const [version, setVersion] = useState(0);
  const me = currentUser.value;
  const mine = me === username;

  // One call for the screen: the profile brings the first page of its photos (none where the
  // viewer may not see them); later pages come from the photo list. As a list, a failed first
  // call retries and offers Retry.
  const photos = usePaged(`${username}:${version}`, async (cursor) => {
    if (cursor !== undefined) {
      const { data } = await listUserPhotos({ client: api, path: { username }, query: { limit: PAGE, cursor }, throwOnError: true });
      return data;
    }
    try {
      const { data } = await getUser({ client: api, path: { username }, query: { expand: 'photos', photosLimit: PAGE }, throwOnError: true });
      setUser(data);
      setMissing(undefined);
      return data.photos ?? { items: [] };
    } catch (e) {
      if (!isNotFound(e)) throw e;
      setMissing(username);
      return { items: [] };
    }
  });

  const shown = user?.username === username ? user : undefined;
  const hidden = shown?.private && !mine && !shown.viewer?.following;
  useEffect(() => remember(photos.items), [photos.items]);
  const refresh = () => setVersion((v) => v + 1);
  // Photos that became visible without a new read (the answer carried none): read the screen again.
  const wasHidden = useRef(false);
  useEffect(() => {
    if (wasHidden.current && shown && !hidden) refresh();
    wasHidden.current = Boolean(hidden);
  }, [hidden]);
  // The write's answer is the new relation (and a 201 a new follower), so the profile is not read again.
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
      {!shown && photos.error === undefined ? (
        <>
          <ProfileSkeleton />
          <GridSkeleton />
        </>
      ) : null}
      {!shown && photos.error !== undefined ? <MoreSentinel list={photos} /> : null}
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
