/** Log in and sign up: the only screens without a session. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { logIn, signUp } from '@quick-photos/client';
import { anonymous, signedOutNotice, startSession } from '../session.js';
import { Notice, Screen, useAction } from '../ui.js';

/** A labelled input with an optional hint; the input itself is the caller's (its type stays exact). */
function Field(props: { label: string; id: string; hint?: string; children: (describedBy: string | undefined) => ComponentChildren }) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children(hintId)}
      {props.hint ? (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

export function LogIn() {
  const { route } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, act } = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    await act(async () => {
    const { data } = await logIn({ client: anonymous, body: { username: username.trim().toLowerCase(), password }, throwOnError: true });
    startSession(data);
    route('/');
    });
  }

  const notice = signedOutNotice.value;
  return (
    <Screen title="Log in">
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <h1>quick-photos</h1>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <Field label="Username" id="login-username">
          {() => <input id="login-username" name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />}
        </Field>
        <Field label="Password" id="login-password">
          {() => (
            <input id="login-password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          )}
        </Field>
        <Notice error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
        <p>
          <a href="/forgot-password">Forgot password?</a>
        </p>
        <p>
          New here? <a href="/signup">Create an account</a>
        </p>
      </form>
    </Screen>
  );
}

export function SignUp() {
  const { route } = useLocation();
  const [form, setForm] = useState({ username: '', name: '', email: '', birthdate: '', password: '' });
  const { busy, error, act } = useAction();
  const set = (field: keyof typeof form) => (event: { currentTarget: HTMLInputElement }) => {
    const value = event.currentTarget.value;
    setForm((old) => ({ ...old, [field]: value }));
  };

  async function submit(event: Event) {
    event.preventDefault();
    await act(async () => {
    const { data } = await signUp({ client: anonymous, body: { ...form, username: form.username.trim().toLowerCase() }, throwOnError: true });
    startSession(data.session);
    route(`/u/${data.user.username}`);
    });
  }

  return (
    <Screen title="Sign up">
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <h1>Create your account</h1>
        <Field label="Username" id="signup-username" hint="Letters, digits, _ . and -">
          {(hint) => <input id="signup-username" name="username" autocomplete="username" required aria-describedby={hint} value={form.username} onInput={set('username')} />}
        </Field>
        <Field label="Name" id="signup-name">
          {() => <input id="signup-name" name="name" autocomplete="name" required value={form.name} onInput={set('name')} />}
        </Field>
        <Field label="Email" id="signup-email">
          {() => <input id="signup-email" name="email" type="email" autocomplete="email" required value={form.email} onInput={set('email')} />}
        </Field>
        <Field label="Birthdate" id="signup-birthdate">
          {() => <input id="signup-birthdate" name="birthdate" type="date" autocomplete="bday" required value={form.birthdate} onInput={set('birthdate')} />}
        </Field>
        <Field label="Password" id="signup-password" hint="At least 8 characters">
          {(hint) => (
            <input id="signup-password" name="password" type="password" autocomplete="new-password" required aria-describedby={hint} value={form.password} onInput={set('password')} />
          )}
        </Field>
        <Notice error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign up
        </button>
        <p>
          Have an account? <a href="/login">Log in</a>
        </p>
      </form>
    </Screen>
  );
}
