/** "Suggested for you": people to follow, with why each is suggested (the empty feed, the empty search). */
import { useEffect, useId, useState } from 'preact/hooks';
import { suggestUsers, type SuggestionCard } from '@quick-photos/client';
import { RowsSkeleton } from './layout/skeleton.js';
import { api } from './session.js';
import { FollowButton, PersonRow, relationOf } from './social.js';
import { Notice, problem } from './ui.js';

const REASONS: Record<SuggestionCard['reason'], (card: SuggestionCard) => string> = {
  'followed-by': (card) => (card.mutuals === 1 ? 'Followed by someone you follow' : `Followed by ${String(card.mutuals ?? 0)} people you follow`),
  recommended: () => 'Suggested for you',
  popular: (card) => `Popular · ${String(card.followers)} followers`,
  active: () => 'Posted recently',
};

export const reasonOf = (card: SuggestionCard): string => REASONS[card.reason](card);

/** One suggested person: name, why, and a Follow button that needs no read. */
export function SuggestionRow({ card }: { card: SuggestionCard }) {
  return (
    <PersonRow username={card.username} name={card.name} avatar={card.avatar}>
      <span class="muted reason">{reasonOf(card)}</span>
      <FollowButton username={card.username} initial={relationOf(card.viewer)} />
    </PersonRow>
  );
}

/**
 * Loads suggestions once and lists them (skeleton rows meanwhile); says so when there are none,
 * and offers Retry after a failure. The empty feed, the empty search and the desktop's column use it.
 */
export function SuggestedPeople({ limit = 10, title = 'Suggested for you' }: { limit?: number; title?: string }) {
  const heading = useId();
  const [people, setPeople] = useState<SuggestionCard[]>();
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    suggestUsers({ client: api, query: { limit }, throwOnError: true })
      .then(({ data }) => {
        if (!current) return;
        setPeople(data.items);
        setError(undefined);
      })
      .catch((e: unknown) => current && setError(problem(e)));
    return () => {
      current = false;
    };
  }, [limit, attempt]);
  return (
    <section class="suggested" aria-labelledby={heading}>
      <h2 id={heading}>{title}</h2>
      {error ? (
        <div class="more-failed">
          <Notice error={error} inline />
          <button class="more" type="button" onClick={() => setAttempt((n) => n + 1)}>
            Retry
          </button>
        </div>
      ) : null}
      {people === undefined && !error ? <RowsSkeleton count={3} /> : null}
      <ul class="people" aria-label="Suggestions">
        {(people ?? []).map((card) => (
          <SuggestionRow key={card.username} card={card} />
        ))}
      </ul>
      {people?.length === 0 ? <p class="muted">No suggestions right now. Try searching for someone you know.</p> : null}
    </section>
  );
}
