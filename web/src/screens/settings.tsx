/**
 * Settings: profile and avatar, private account, blocked users, password, sessions, and
 * deleting the account (a second step with the password confirms it).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import {
  changePassword,
  deleteAvatar,
  deleteMe,
  getMe,
  listBlocks,
  setAccountPrivacy,
  setAvatar,
  unblockUser,
  updateMe,
  type Image,
} from '@quick-photos/client';
import { api, currentUser, endSession, signOut, startSession } from '../session.js';
import { Avatar, Notice, problem, Screen } from '../ui.js';
import { MoreSentinel, usePaged } from '../paged.js';
import { PushSection, SessionsSection } from '../dialogs/index.js';

/** Runs an action, keeping its error or success message for the section that shows it. */
function useAction() {
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<string | undefined>) {
    setBusy(true);
    try {
      setMessage(await action());
      setError(undefined);
    } catch (e) {
      setError(problem(e));
      setMessage(undefined);
    } finally {
      setBusy(false);
    }
  }
  return { error, message, busy, run };
}

function Section({ title, state, children }: { title: string; state: ReturnType<typeof useAction>; children: ComponentChildren }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section class="card form" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
      <Notice error={state.error} />
      {state.message ? <p role="status">{state.message}</p> : null}
    </section>
  );
}

function ProfileSection() {
  const username = currentUser.value ?? '';
  const state = useAction();
  const [profile, setProfile] = useState({ name: '', status: '' });
  const [avatar, setAvatarImage] = useState<Image>();
  const [isPrivate, setPrivate] = useState<boolean>();
  // The privacy switch applies at once: its own card, away from the profile form's Save.
  const privacy = useAction();

  useEffect(() => {
    void state.run(async () => {
      const { data } = await getMe({ client: api, throwOnError: true });
      setProfile({ name: data.name, status: data.status });
      setAvatarImage(data.avatar);
      setPrivate(data.private);
      return undefined;
    });
  }, [username]);

  const save = (event: Event) => {
    event.preventDefault();
    void state.run(async () => {
      await updateMe({ client: api, body: profile, throwOnError: true });
      return 'Profile saved.';
    });
  };
  const pickAvatar = (file: File | undefined) =>
    file &&
    void state.run(async () => {
      const { data } = await setAvatar({ client: api, path: { username }, body: { file }, throwOnError: true });
      setAvatarImage(data);
      return 'Picture updated.';
    });
  const removeAvatar = () =>
    void state.run(async () => {
      await deleteAvatar({ client: api, path: { username }, throwOnError: true });
      setAvatarImage(undefined);
      return 'Picture removed.';
    });
  const togglePrivate = (value: boolean) => {
    // Shown at once, put back if the API refuses.
    setPrivate(value);
    void privacy.run(async () => {
      try {
        const { data } = await setAccountPrivacy({ client: api, body: { private: value }, throwOnError: true });
        setPrivate(data.private);
        return data.private ? 'Your account is private.' : 'Your account is public.';
      } catch (e) {
        setPrivate(!value);
        throw e;
      }
    });
  };

  return (
    <>
      <Section title="Profile" state={state}>
        <div class="row">
          <Avatar name={username} image={avatar} size={64} />
          <div class="field">
            <label for="settings-avatar">Profile picture</label>
            <input id="settings-avatar" type="file" accept="image/*" onChange={(e) => pickAvatar(e.currentTarget.files?.[0])} />
          </div>
        </div>
        {avatar ? (
          <button type="button" onClick={removeAvatar}>
            Remove picture
          </button>
        ) : null}
        <form class="form" onSubmit={save}>
          <div class="field">
            <label for="settings-name">Name</label>
            <input id="settings-name" value={profile.name} required maxLength={100} onInput={(e) => setProfile({ ...profile, name: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="settings-status">Status</label>
            <input id="settings-status" value={profile.status} maxLength={500} onInput={(e) => setProfile({ ...profile, status: e.currentTarget.value })} />
          </div>
          <button type="submit" class="primary" disabled={state.busy}>
            Save
          </button>
        </form>
      </Section>
      <Section title="Privacy" state={privacy}>
        <label class="check">
          <input type="checkbox" checked={isPrivate ?? false} disabled={isPrivate === undefined || privacy.busy} onChange={(e) => togglePrivate(e.currentTarget.checked)} />
          Private account: only followers I approve see my photos
        </label>
        <p class="muted">A change applies at once.</p>
      </Section>
    </>
  );
}

function BlockedSection() {
  const state = useAction();
  const blocks = usePaged('blocks', async (cursor) => {
    const { data } = await listBlocks({ client: api, query: cursor ? { cursor } : {}, throwOnError: true });
    return data;
  });
  const unblock = (username: string) =>
    void state.run(async () => {
      await unblockUser({ client: api, path: { username }, throwOnError: true });
      blocks.setItems((items) => items.filter((b) => b.blockedUser !== username));
      return `Unblocked @${username}.`;
    });
  return (
    <Section title="Blocked people" state={state}>
      <ul class="people" aria-label="Blocked people">
        {blocks.items.map((b) => (
          <li key={b.blockedUser}>
            <span class="names">@{b.blockedUser}</span>
            <button type="button" aria-label={`Unblock @${b.blockedUser}`} onClick={() => unblock(b.blockedUser)}>
              Unblock
            </button>
          </li>
        ))}
      </ul>
      {blocks.done && blocks.items.length === 0 ? <p class="muted">You have blocked nobody.</p> : null}
      <MoreSentinel list={blocks} />
    </Section>
  );
}

function PasswordSection() {
  const state = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    void state.run(async () => {
      const { data } = await changePassword({ client: api, body: { currentPassword: current, newPassword: next }, throwOnError: true });
      startSession(data);
      setCurrent('');
      setNext('');
      return 'Password changed; other devices are logged out.';
    });
  };
  return (
    <Section title="Password" state={state}>
      <form class="form" onSubmit={submit}>
        <div class="field">
          <label for="settings-current-password">Current password</label>
          <input id="settings-current-password" type="password" autocomplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="settings-new-password">New password</label>
          <input id="settings-new-password" type="password" autocomplete="new-password" required minLength={8} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={state.busy}>
          Change password
        </button>
      </form>
    </Section>
  );
}

function AccountSection() {
  const { route } = useLocation();
  const state = useAction();
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState('');
  const remove = (event: Event) => {
    event.preventDefault();
    void state.run(async () => {
      await deleteMe({ client: api, body: { password }, throwOnError: true });
      endSession();
      route('/login');
      return undefined;
    });
  };
  return (
    <Section title="Account" state={state}>
      <button type="button" onClick={() => void signOut().then(() => route('/login'))}>
        Log out
      </button>
      {confirming ? (
        <form class="form danger-zone" onSubmit={remove}>
          <p>This deletes your profile, photos, reactions and follows. It cannot be undone.</p>
          <div class="field">
            <label for="settings-delete-password">Your password, to confirm</label>
            <input id="settings-delete-password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </div>
          <button type="submit" class="danger" disabled={state.busy}>
            Delete my account for good
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep my account
          </button>
        </form>
      ) : (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete my account…
        </button>
      )}
    </Section>
  );
}

export function Settings() {
  return (
    <Screen title="Settings">
      <h1>Settings</h1>
      <div class="stack">
        <ProfileSection />
        <BlockedSection />
        <PasswordSection />
        <PushSection />
        <SessionsSection />
        <section class="card form" aria-labelledby="section-notices">
          <h2 id="section-notices">Moderation</h2>
          <p class="muted">Photos and comments of yours that moderators took down, and why.</p>
          <a class="button" href="/notices">
            See your notices
          </a>
        </section>
        <AccountSection />
      </div>
    </Screen>
  );
}
