/**
 * A photo's conversation on its detail screen: comments oldest first with "load more", one
 * level of replies, posting, deleting (mine, or any on my photo), likes with their counts, and
 * the owner's comments-off switch. Comment text renders its mentions and tags as the caption's.
 */
import { useRef, useState } from 'preact/hooks';
import { deleteComment, likeComment, listComments, listReplies, postComment, setCommenting, unlikeComment, type Comment, type CommentPage, type PhotoForViewer } from '@quick-photos/client';
import { Caption } from './caption.js';
import './comments.css';
import { RowsSkeleton } from './layout/skeleton.js';
import { api, currentUser } from './session.js';
import { Ago, Notice, useAction } from './ui.js';
import { MoreSentinel, usePaged } from './paged.js';

function Composer({ photoId, replyTo, label, onPosted }: { photoId: string; replyTo?: string; label: string; onPosted: (c: Comment) => void }) {
  const [text, setText] = useState('');
  const { busy, error, act } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const { data } = await postComment({ client: api, path: { photoId }, body: { text, ...(replyTo ? { replyTo } : {}) }, throwOnError: true });
      setText('');
      onPosted(data);
    });
  };
  return (
    <form class="comment-form" onSubmit={submit}>
      <textarea aria-label={label} placeholder={label} value={text} maxLength={2200} rows={1} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" disabled={busy || text.trim() === ''}>
        Post
      </button>
      <Notice error={error} inline />
    </form>
  );
}

function CommentRow({ photo, comment, onDeleted, onReplied }: { photo: PhotoForViewer; comment: Comment; onDeleted: () => void; onReplied?: () => void }) {
  const [liked, setLiked] = useState(comment.likedByMe);
  const [likes, setLikes] = useState(comment.likeCount);
  const [replying, setReplying] = useState(false);
  const [showReplies, setShowReplies] = useState(false);
  const [replyCount, setReplyCount] = useState(comment.replyCount ?? 0);
  const { busy, error, act } = useAction();
  const me = currentUser.value;
  const mayDelete = me === comment.author || me === photo.username;
  const path = { photoId: photo.id, commentId: comment.id };
  const toggleLike = () =>
    void act(async () => {
      if (liked) await unlikeComment({ client: api, path, throwOnError: true });
      else await likeComment({ client: api, path, throwOnError: true });
      setLikes((n) => n + (liked ? -1 : 1));
      setLiked(!liked);
    });
  const remove = () =>
    void act(async () => {
      await deleteComment({ client: api, path, throwOnError: true });
      onDeleted();
    });
  return (
    <li class="comment" aria-label={`Comment by ${comment.author}`}>
      <a href={`/u/${comment.author}`}>@{comment.author}</a> <Ago at={comment.timestamp} />
      <Caption text={comment.text} entities={comment.entities} />
      <span class="actions">
        <button type="button" aria-pressed={liked} aria-label={`${liked ? 'Unlike' : 'Like'} comment, ${likes} ${likes === 1 ? 'like' : 'likes'}`} disabled={busy} onClick={toggleLike}>
          ♥ {likes}
        </button>
        {comment.replyTo === undefined && !photo.commentsOff ? (
          <button type="button" onClick={() => setReplying(!replying)}>
            Reply
          </button>
        ) : null}
        {mayDelete ? (
          <button type="button" aria-label="Delete comment" disabled={busy} onClick={remove}>
            Delete
          </button>
        ) : null}
        <Notice error={error} inline />
      </span>
      {replying ? (
        <Composer
          photoId={photo.id}
          replyTo={comment.id}
          label={`Reply to @${comment.author}`}
          onPosted={() => {
            setReplying(false);
            setReplyCount((n) => n + 1);
            setShowReplies(true);
            onReplied?.();
          }}
        />
      ) : null}
      {comment.replyTo === undefined && replyCount > 0 && !showReplies ? (
        <button type="button" class="link" onClick={() => setShowReplies(true)}>
          View replies ({replyCount})
        </button>
      ) : null}
      {showReplies ? <Replies photo={photo} parent={comment.id} version={replyCount} onDeleted={() => setReplyCount((n) => n - 1)} /> : null}
    </li>
  );
}

function Replies({ photo, parent, version, onDeleted }: { photo: PhotoForViewer; parent: string; version: number; onDeleted: () => void }) {
  const replies = usePaged(`${parent}:${version}`, async (cursor) => {
    const { data } = await listReplies({ client: api, path: { photoId: photo.id, commentId: parent }, query: cursor ? { cursor } : {}, throwOnError: true });
    return data;
  });
  return (
    <ul class="replies" aria-label="Replies">
      {replies.items.map((r) => (
        <CommentRow
          key={r.id}
          photo={photo}
          comment={r}
          onDeleted={() => {
            replies.setItems((items) => items.filter((x) => x.id !== r.id));
            onDeleted();
          }}
        />
      ))}
      <MoreSentinel list={replies} started={replies.items.length > 0} />
    </ul>
  );
}

/** `firstPage`: the comments' first page when the photo's answer brought it (expand=comments); later pages and reloads ask the list. */
export function Conversation({ photo, firstPage, onChange }: { photo: PhotoForViewer; firstPage?: CommentPage; onChange: (photo: PhotoForViewer) => void }) {
  const [reloads, setReloads] = useState(0);
  const comments = usePaged(`comments:${photo.id}:${reloads}`, async (cursor) => {
    if (!cursor && reloads === 0 && firstPage) return firstPage;
    const { data } = await listComments({ client: api, path: { photoId: photo.id }, query: { order: 'oldest', ...(cursor ? { cursor } : {}) }, throwOnError: true });
    return data;
  });
  // Read when a post answers, not when it was sent: the list may have finished loading meanwhile.
  const listDone = useRef(false);
  listDone.current = comments.done && !comments.busy;
  const toggle = useAction();
  const mine = photo.username === currentUser.value;
  const count = photo.commentCount ?? 0;
  const switchComments = () =>
    void toggle.act(async () => {
      const { data } = await setCommenting({ client: api, path: { photoId: photo.id }, body: { enabled: photo.commentsOff }, throwOnError: true });
      onChange({ ...photo, commentsOff: !data.enabled });
    });
  return (
    <section class="conversation" aria-label="Comments">
      <h2>Comments{count > 0 ? ` (${count})` : ''}</h2>
      {mine ? (
        <button type="button" disabled={toggle.busy} onClick={switchComments}>
          {photo.commentsOff ? 'Turn comments on' : 'Turn comments off'}
        </button>
      ) : null}
      <Notice error={toggle.error} />
      {comments.busy && comments.items.length === 0 ? <RowsSkeleton count={2} /> : null}
      {comments.done && comments.items.length === 0 && !photo.commentsOff ? <p class="muted caption">No comments yet.</p> : null}
      <ul class="comments" aria-label="Comment list">
        {comments.items.map((c) => (
          <CommentRow
            key={c.id}
            photo={photo}
            comment={c}
            onDeleted={() => {
              comments.setItems((items) => items.filter((x) => x.id !== c.id));
              onChange({ ...photo, commentCount: Math.max(0, count - 1 - (c.replyCount ?? 0)) });
            }}
            onReplied={() => onChange({ ...photo, commentCount: count + 1 })}
          />
        ))}
      </ul>
      <MoreSentinel list={comments} started={comments.items.length > 0} />
      {photo.commentsOff ? (
        <p class="muted caption">Comments are off for this photo.</p>
      ) : (
        <Composer
          photoId={photo.id}
          label="Add a comment"
          onPosted={(c) => {
            // Oldest first: a new comment belongs at the end once every page is in; a list still loading starts again.
            if (listDone.current) comments.setItems((items) => [...items, c]);
            else setReloads((n) => n + 1);
            onChange({ ...photo, commentCount: count + 1 });
          }}
        />
      )}
    </section>
  );
}
