/** A feed card's comment count and newest comments: apart from the conversation, which only the photo screen loads. */
import type { PhotoForViewer } from '@quick-photos/client';
import './comments.css';

/** A feed card's conversation line: the comment count (a link to the photo) and up to 2 previews, older first. */
export function CommentPreviews({ photo }: { photo: PhotoForViewer }) {
  if (photo.commentCount === 0) return null;
  return (
    <div class="comment-previews" aria-label="Comment previews">
      <a href={`/p/${photo.id}`}>{photo.commentCount === 1 ? 'View 1 comment' : `View all ${photo.commentCount} comments`}</a>
      {[...photo.comments].reverse().map((p) => (
        <p key={`${p.timestamp}-${p.author}`} class="caption">
          <a href={`/u/${p.author}`}>@{p.author}</a> {p.text}
        </p>
      ))}
    </div>
  );
}
