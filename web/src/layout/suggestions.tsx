/**
 * The desktop feed's side column: who I am, and accounts to follow (GET /v1/me/suggestions).
 * Rendered only where there is room for it, so phones never ask for it.
 */
import { useEffect, useState } from 'preact/hooks';
import { suggestUsers, type UserCard } from '@quick-photos/client';
import { api, currentUser } from '../session.js';
import { FollowButton, relationOf } from '../social.js';
import { Avatar, Notice, problem } from '../ui.js';
import { RowsSkeleton } from './skeleton.js';

const SHOWN = 5;

export function Suggestions() {
  const [people, setPeople] = useState<UserCard[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    suggestUsers({ client: api, query: { limit: SHOWN }, throwOnError: true })
      .then(({ data }) => current && setPeople(data.items))
      .catch((e: unknown) => current && setError(problem(e)));
    return () => {
      current = false;
    };
  }, []);
  const me = currentUser.value ?? '';
  return (
    <aside class="suggestions" aria-labelledby="suggestions-title">
      <a class="me" href={`/u/${me}`}>
        <Avatar name={me} size={44} />
        <span class="names">
          <strong>@{me}</strong>
          <span class="muted">You</span>
        </span>
      </a>
      <h2 id="suggestions-title">Suggested for you</h2>
      <Notice error={error} />
      {people === undefined && !error ? <RowsSkeleton count={3} /> : null}
      {people?.length === 0 ? (
        <p class="muted">
          No suggestions yet. <a href="/search">Find people</a>
        </p>
      ) : null}
      <ul class="people" aria-label="Suggested accounts">
        {(people ?? []).map((user) => (
          <li key={user.username}>
            <a href={`/u/${user.username}`}>
              <Avatar name={user.username} image={user.avatar} size={32} />
              <span class="names">
                <span>{user.name}</span>
                <span class="muted">@{user.username}</span>
              </span>
            </a>
            <FollowButton username={user.username} initial={relationOf(user.viewer)} />
          </li>
        ))}
      </ul>
    </aside>
  );
}
