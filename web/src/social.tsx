/** The controls several screens share: follow / request / unfollow, reaction toggles, a person row. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Glasses, Heart, Smile, ThumbsUp, type LucideIcon } from 'lucide-preact';
import {
  cancelFollowRequest,
  followUser,
  reactToPhoto,
  removeReaction,
  unfollowUser,
  type Image,
  type Photo,
  type Reaction,
  type ViewerRelation,
} from '@quick-photos/client';
import { api, currentUser } from './session.js';
import { Avatar, Notice, problem } from './ui.js';

export type Relation = 'none' | 'following' | 'requested';

/** A card's relation as its follow button starts: following, a pending request, or neither. */
export const relationOf = (viewer: ViewerRelation): Relation => (viewer.following ? 'following' : viewer.requested ? 'requested' : 'none');

/** What a follow button's write changed: the relation, and the followers count by the answer (201: a new follower). */
export interface FollowChange {
  relation: Relation;
  followersDelta: number;
}

/**
 * Follow, unfollow, or (for a private account) request and cancel the request. `initial`
 * comes from the profile or card the screen already has, so the button costs no read.
 */
export function FollowButton(props: { username: string; initial: Relation; onChange?: (change: FollowChange) => void }) {
  const [relation, setRelation] = useState<Relation>(props.initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (props.username === currentUser.value) return null;

  async function click() {
    const path = { username: props.username };
    setBusy(true);
    try {
      const change: FollowChange = { relation: 'none', followersDelta: 0 };
      if (relation === 'following') {
        await unfollowUser({ client: api, path, throwOnError: true });
        // 204 either way; the button showed a follow the screen had read.
        change.followersDelta = -1;
      } else if (relation === 'requested') {
        await cancelFollowRequest({ client: api, path, throwOnError: true });
      } else {
        const { data, response } = await followUser({ client: api, path, throwOnError: true });
        change.relation = 'requester' in data ? 'requested' : 'following';
        change.followersDelta = response.status === 201 ? 1 : 0;
      }
      setRelation(change.relation);
      setError(undefined);
      props.onChange?.(change);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(false);
    }
  }

  const label = relation === 'following' ? 'Unfollow' : relation === 'requested' ? 'Requested' : 'Follow';
  return (
    <>
      <button
        type="button"
        class={relation === 'none' ? 'primary' : ''}
        disabled={busy}
        title={relation === 'requested' ? 'Cancel the follow request' : undefined}
        onClick={() => void click()}
      >
        {label}
      </button>
      <Notice error={error} inline />
    </>
  );
}

export const REACTIONS: { type: Reaction['reactionType']; label: string; glyph: string; icon: LucideIcon }[] = [
  { type: 'heart', label: 'Heart', glyph: '❤️', icon: Heart },
  { type: '+1', label: 'Plus one', glyph: '👍', icon: ThumbsUp },
  { type: 'smiley', label: 'Smiley', glyph: '😊', icon: Smile },
  { type: 'sunglasses', label: 'Sunglasses', glyph: '😎', icon: Glasses },
];

type ReactionType = Reaction['reactionType'];

/**
 * The four reaction toggles, compact: an icon and its count (none when zero), mine pressed
 * and coloured. A toggle updates the count in place from the answer (201: a new reaction),
 * with no re-read of the photo.
 */
export function ReactionBar(props: { photo: Pick<Photo, 'id' | 'reactions'>; mine: ReactionType[]; onChange?: (type: ReactionType, on: boolean) => void }) {
  const [counts, setCounts] = useState(props.photo.reactions);
  const [mine, setMine] = useState(() => new Set(props.mine));
  const [error, setError] = useState<string>();
  const path = (type: ReactionType) => ({ photoId: props.photo.id, type });

  async function toggle(type: ReactionType) {
    const had = mine.has(type);
    try {
      let delta = 0;
      if (had) {
        await removeReaction({ client: api, path: path(type), throwOnError: true });
        delta = -1;
      } else {
        const { response } = await reactToPhoto({ client: api, path: path(type), throwOnError: true });
        delta = response.status === 201 ? 1 : 0;
      }
      setCounts((old) => ({ ...old, [type]: Math.max(0, old[type] + delta) }));
      setMine((old) => {
        const next = new Set(old);
        if (had) next.delete(type);
        else next.add(type);
        return next;
      });
      setError(undefined);
      props.onChange?.(type, !had);
    } catch (e) {
      setError(problem(e));
    }
  }

  return (
    <div class="reactions" role="group" aria-label="Reactions">
      {REACTIONS.map(({ type, label, icon: Icon }) => (
        <button key={type} type="button" class="reaction" aria-pressed={mine.has(type)} aria-label={`${label}: ${counts[type]}`} title={label} onClick={() => void toggle(type)}>
          <Icon size={24} strokeWidth={2} aria-hidden="true" />
          {counts[type] > 0 ? (
            <span class="n" aria-hidden="true">
              {counts[type]}
            </span>
          ) : null}
        </button>
      ))}
      <Notice error={error} inline />
    </div>
  );
}

/** A person in a list: avatar and names linking to the profile, then whatever the list adds. */
export function PersonRow(props: { username: string; name?: string | undefined; avatar?: Image | undefined; children?: ComponentChildren }) {
  return (
    <li>
      <a href={`/u/${props.username}`}>
        <Avatar name={props.username} image={props.avatar} size={40} />
        <span class="names">
          <span>{props.name ?? props.username}</span>
          <span class="muted">@{props.username}</span>
        </span>
      </a>
      {props.children}
    </li>
  );
}
