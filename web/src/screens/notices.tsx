/**
 * Notices: what moderators took down of mine (a photo, or a comment on a photo) and why, with
 * what I can do next. Opening it clears the banner the event stream raised (layout/unread.ts).
 * The API has no read mark for notices; the banner is a live hint, this list is the record.
 */
import { useEffect } from 'preact/hooks';
import { listNotices, type TakedownNotice } from '@quick-photos/client';
import { ShieldAlert, ShieldCheck } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { RowsSkeleton } from '../layout/skeleton.js';
import { noticesSeen } from '../layout/unread.js';
import { api } from '../session.js';
import { Ago, Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';
import './notices.css';

function NoticeCard({ notice }: { notice: TakedownNotice }) {
  const comment = notice.commentId !== undefined;
  const what = comment ? 'comment' : 'photo';
  return (
    <li class="card takedown">
      <ShieldAlert class="takedown-icon" size={24} aria-hidden="true" />
      <div class="takedown-text">
        <p class="takedown-title">
          A moderator took down your {what} <Ago at={notice.at} />
        </p>
        <p>
          <span class="muted">Reason: </span>
          <span class="takedown-reason">{notice.reason}</span>
        </p>
        <p class="muted">
          {comment
            ? 'The comment was removed with its replies and likes; nobody else can see it now.'
            : 'The photo was removed with its reactions and comments, and no longer counts toward your storage; nobody else can see it now.'}
        </p>
        <p class="muted">
          <strong>What you can do:</strong> keep what you share within the community rules. Repeated takedowns can lead to a suspended account.
        </p>
        {comment ? (
          <p>
            <a href={`/p/${notice.photoId}`}>See the photo it was on</a>
          </p>
        ) : null}
      </div>
    </li>
  );
}

export function Notices() {
  useEffect(() => noticesSeen(), []);
  const notices = usePaged('notices', async (cursor) => {
    const { data } = await listNotices({ client: api, query: cursor ? { cursor } : {}, throwOnError: true });
    return data;
  });
  return (
    <Screen title="Notices">
      <h1>Notices</h1>
      <p class="muted">When a moderator takes down a photo or comment of yours, it is listed here with the reason, oldest first.</p>
      <ul class="takedowns" aria-label="Takedown notices">
        {notices.items.map((notice) => (
          <NoticeCard key={`${notice.at}-${notice.photoId}-${notice.commentId ?? ''}`} notice={notice} />
        ))}
      </ul>
      {notices.busy && notices.items.length === 0 ? <RowsSkeleton count={2} /> : null}
      {notices.done && notices.items.length === 0 ? (
        <Empty icon={ShieldCheck} title="No notices" action={{ href: '/', label: 'Back to your feed' }}>
          Nothing of yours has been taken down. If a moderator ever removes a photo or comment, you will see why here.
        </Empty>
      ) : null}
      <MoreSentinel list={notices} started={notices.items.length > 0} />
    </Screen>
  );
}
