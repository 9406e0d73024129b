/** Find people: search by username or name as I type; with no query, people to follow. */
import { useEffect, useState } from 'preact/hooks';
import { searchTags, searchUsers, suggestUsers, type SuggestionCard, type TagCount, type UserCard } from '@quick-photos/client';
import { SearchX, Users } from 'lucide-preact';
import { Empty } from '../layout/empty.js';
import { RowsSkeleton } from '../layout/skeleton.js';
import { api } from '../session.js';
import { FollowButton, PersonRow, relationOf } from '../social.js';
import { reasonOf } from '../suggestions.js';
import { Notice, problem, Screen } from '../ui.js';

const DEBOUNCE_MS = 200;

export function Search() {
  const [query, setQuery] = useState('');
  // The answer with the query it answers: while a new query's answer is on its way, the
  // skeleton shows instead of the last query's people.
  const [answer, setAnswer] = useState<{ query: string; people: UserCard[] }>();
  const [error, setError] = useState<string>();
  // Retry asks again for the same query: a new attempt re-runs the effect.
  const [attempt, setAttempt] = useState(0);
  const trimmed = query.trim();
  const people = answer?.query === trimmed ? answer.people : undefined;
  // "#be": tags starting with it, instead of people.
  const tagQuery = trimmed.length > 1 && trimmed.startsWith('#') ? trimmed : undefined;

  useEffect(() => {
    if (tagQuery) return;
    let current = true;
    const timer = setTimeout(() => {
      const request = trimmed
        ? searchUsers({ client: api, query: { query: trimmed, limit: 20 }, throwOnError: true })
        : suggestUsers({ client: api, query: { limit: 20 }, throwOnError: true });
      request
        .then(({ data }) => {
          if (!current) return;
          setAnswer({ query: trimmed, people: data.items });
          setError(undefined);
        })
        .catch((e: unknown) => current && setError(problem(e)));
    }, trimmed ? DEBOUNCE_MS : 0);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [trimmed, attempt, tagQuery]);

  return (
    <Screen title="Search">
      <h1>Search</h1>
      <form class="form" role="search" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="search-query">Search people</label>
          <input id="search-query" type="search" autocomplete="off" placeholder="Name, username or #tag" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
      </form>
      {tagQuery ? <TagResults query={tagQuery} /> : peopleResults()}
    </Screen>
  );

  function peopleResults() {
    return (
      <>
      <h2>{trimmed ? 'People' : 'Suggested for you'}</h2>
      {error ? (
        <div class="more-failed">
          <Notice error={error} inline />
          <button class="more" type="button" onClick={() => (setError(undefined), setAttempt((n) => n + 1))}>
            Retry
          </button>
        </div>
      ) : null}
      <ul class="people" aria-label={trimmed ? 'Search results' : 'Suggestions'}>
        {(people ?? []).map((user) => (
          <PersonRow key={user.username} username={user.username} name={user.name} avatar={user.avatar}>
            {'reason' in user ? <span class="muted reason">{reasonOf(user as SuggestionCard)}</span> : null}
            <FollowButton username={user.username} initial={relationOf(user.viewer)} />
          </PersonRow>
        ))}
      </ul>
      {people === undefined && !error ? <RowsSkeleton /> : null}
      {people?.length === 0 ? (
        trimmed ? (
          <Empty icon={SearchX} title="Nobody found">
            Check the spelling, or search by name instead of username.
          </Empty>
        ) : (
          <Empty icon={Users} title="No suggestions yet">
            Search for someone you know above: once you follow a few people, we suggest more.
          </Empty>
        )
      ) : null}
      </>
    );
  }
}

/** Tags starting with the query, most used first, each a link to its page. */
function TagResults({ query }: { query: string }) {
  const [found, setFound] = useState<{ query: string; tags: TagCount[] }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      searchTags({ client: api, query: { query, limit: 20 }, throwOnError: true })
        .then(({ data }) => current && (setFound({ query, tags: data.items }), setError(undefined)))
        .catch((e: unknown) => current && setError(problem(e)));
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query]);
  const tags = found?.query === query ? found.tags : undefined;
  return (
    <>
      <h2>Tags</h2>
      {error ? <Notice error={error} inline /> : null}
      <ul class="people" aria-label="Tags found">
        {(tags ?? []).map((t) => (
          <li key={t.tag}>
            <a href={`/t/${encodeURIComponent(t.tag)}`}>#{t.tag}</a> <span class="muted">{t.count === 1 ? '1 photo' : `${t.count} photos`}</span>
          </li>
        ))}
      </ul>
      {tags === undefined && !error ? <RowsSkeleton /> : null}
      {tags?.length === 0 ? <Empty icon={SearchX} title="No such tag yet" /> : null}
    </>
  );
}
