/**
 * The desktop feed's side column: who I am, and accounts to follow (the same list as the empty
 * feed's). Rendered only where there is room for it, so phones never ask for it.
 */
import { currentUser } from '../session.js';
import { SuggestedPeople } from '../suggestions.js';
import { Avatar } from '../ui.js';

const SHOWN = 5;

export function Suggestions() {
  const me = currentUser.value ?? '';
  return (
    <aside class="suggestions" aria-label="Suggested for you">
      <a class="me" href={`/u/${me}`}>
        <Avatar name={me} size={44} />
        <span class="names">
          <strong>@{me}</strong>
          <span class="muted">You</span>
        </span>
      </a>
      <SuggestedPeople limit={SHOWN} />
    </aside>
  );
}
