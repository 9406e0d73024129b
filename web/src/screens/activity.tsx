/** Activity: new followers, follow requests (approve / decline), reactions to my photos; opening it marks them read. Moderation notices are one link away. */
import { useEffect, useState } from 'preact/hooks';
import { approveFollowRequest, declineFollowRequest, getActivity, markActivityRead, type ActivityItem } from '@quick-photos/client';
import { Bell, ChevronRight, ShieldAlert } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { RowsSkeleton } from '../layout/skeleton.js';
import { markedRead } from '../layout/unread.js';
import { api } from '../session.js';
import { PersonRow, REACTIONS } from '../social.js';
import { Ago, Notice, PhotoImage, problem, Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';

function RequestButtons({ username }: { username: string }) {
  const [state, setState] = useState<'pending' | 'approved' | 'declined'>('pending');
  const [error, setError] = useState<string>();
  async function answer(approve: boolean) {
    try {
      if (approve) await approveFollowRequest({ client: api, path: { username }, throwOnError: true });
      else await declineFollowRequest({ client: api, path: { username }, throwOnError: true });
      setState(approve ? 'approved' : 'declined');
    } catch (e) {
      setError(problem(e));
    }
  }
  if (state !== 'pending') return <span role="status">{state === 'approved' ? 'Approved' : 'Declined'}</span>;
  return (
    <span class="actions">
      <button type="button" class="primary" aria-label={`Approve @${username}`} onClick={() => void answer(true)}>
        Approve
      </button>
      <button type="button" aria-label={`Decline @${username}`} onClick={() => void answer(false)}>
        Decline
      </button>
      <Notice error={error} inline />
    </span>
  );
}

function describe(item: ActivityItem): string {
  if (item.type === 'follow') return 'started following you';
  if (item.type === 'request') return 'asked to follow you';
  if (item.type === 'mention') return 'mentioned you';
  if (item.type === 'comment') return item.comment?.text ? `commented on your photo: ${item.comment.text}` : 'commented on your photo';
  if (item.type === 'reply') return item.comment?.text ? `replied to your comment: ${item.comment.text}` : 'replied to your comment';
  if (item.type === 'comment-like') return 'liked your comment';
  const glyph = REACTIONS.find((r) => r.type === item.reactionType)?.label.toLowerCase() ?? 'a reaction';
  return `reacted ${glyph} to your photo`;
}

export function Activity() {
  const activity = usePaged('activity', async (cursor) => {
    const { data } = await getActivity({ client: api, query: cursor ? { cursor } : {}, throwOnError: true });
    return data;
  });
  const firstLoaded = activity.items.length > 0;
  useEffect(() => {
    if (!firstLoaded) return;
    void markActivityRead({ client: api }).then(({ response }) => {
      if (response?.ok) markedRead();
    });
  }, [firstLoaded]);

  return (
    <Screen title="Activity">
      <h1>Activity</h1>
      <a class="notices-link" href="/notices">
        <ShieldAlert size={20} aria-hidden="true" />
        <span>Notices from moderators</span>
        <ChevronRight size={18} aria-hidden="true" />
      </a>
      <ul class="people activity">
        {activity.items.map((item) => (
          <PersonRow key={`${item.type}-${item.actor.username}-${item.at}-${item.reactionType ?? ''}`} username={item.actor.username} name={item.actor.name} avatar={item.actor.avatar}>
            <span class={item.unread ? 'what unread' : 'what'}>
              {describe(item)} <Ago at={item.at} />
              {item.unread ? <span class="badge">new</span> : null}
            </span>
            {item.type === 'request' ? <RequestButtons username={item.actor.username} /> : null}
            {item.photo ? (
              <a class="thumb" href={`/p/${item.photo.id}`} aria-label="Open the photo">
                <PhotoImage photo={item.photo} variant="thumb" alt="" square />
              </a>
            ) : null}
          </PersonRow>
        ))}
      </ul>
      {activity.busy && activity.items.length === 0 ? <RowsSkeleton /> : null}
      {activity.done && activity.items.length === 0 ? (
        <Empty icon={Bell} title="No activity yet" action={{ href: '/upload', label: 'Share a photo' }}>
          New followers, follow requests and reactions to your photos show up here.
        </Empty>
      ) : null}
      <MoreSentinel list={activity} started={activity.items.length > 0} />
    </Screen>
  );
}
