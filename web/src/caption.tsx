/**
 * A caption with its mentions linked to profiles and its tags to tag pages, cut where the API's
 * `entities` say (UTF-16 offsets, JavaScript's own string indices): the client never parses.
 */
import type { TextEntities } from '@quick-photos/client';

type Piece = { start: number; end: number; href: string; label: string };

export function Caption({ text, entities }: { text: string; entities: TextEntities }) {
  const pieces: Piece[] = [
    ...entities.mentions.map((m) => ({ start: m.start, end: m.end, href: `/u/${encodeURIComponent(m.username)}`, label: `Profile of ${m.username}` })),
    ...entities.tags.map((t) => ({ start: t.start, end: t.end, href: `/t/${encodeURIComponent(t.tag)}`, label: `Photos tagged ${t.tag}` })),
  ].sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const piece of pieces) {
    if (piece.start < at || piece.end > text.length) continue;
    if (piece.start > at) parts.push(text.slice(at, piece.start));
    parts.push(
      <a key={piece.start} href={piece.href} title={piece.label}>
        {text.slice(piece.start, piece.end)}
      </a>,
    );
    at = piece.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <p class="caption">{parts}</p>;
}
