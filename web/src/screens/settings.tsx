/** Settings: edit the profile, log out. */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { getMe, updateMe } from '../../../client/src/index.js';
import { api, currentUser, signOut } from '../session.js';
import { Notice, problem, Screen } from '../ui.js';

export function Settings() {
  const { route } = useLocation();
  const username = currentUser.value ?? '';
  const [profile, setProfile] = useState({ name: '', status: '' });
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    getMe({ client: api, throwOnError: true })
      .then(({ data }) => setProfile({ name: data.name, status: data.status }))
      .catch((e: unknown) => setError(problem(e)));
  }, [username]);

  async function save(event: Event) {
    event.preventDefault();
    try {
      await updateMe({ client: api, body: profile, throwOnError: true });
      setMessage('Saved.');
      setError(undefined);
    } catch (e) {
      setError(problem(e));
    }
  }

  return (
    <Screen title="Settings">
      <form class="card form" onSubmit={(e) => void save(e)}>
        <h1>Profile</h1>
        <div class="field">
          <label for="settings-name">Name</label>
          <input id="settings-name" value={profile.name} required maxLength={100} onInput={(e) => setProfile({ ...profile, name: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="settings-status">Status</label>
          <input id="settings-status" value={profile.status} maxLength={500} onInput={(e) => setProfile({ ...profile, status: e.currentTarget.value })} />
        </div>
        <Notice error={error} />
        {message ? <p role="status">{message}</p> : null}
        <button type="submit" class="primary">
          Save
        </button>
      </form>
      <button type="button" onClick={() => void signOut().then(() => route('/login'))}>
        Log out
      </button>
    </Screen>
  );
}
