/**
 * Forgot password, signed out: ask for a code by email (the answer never says whether an
 * account has that address), then set a new password with the code, then log in.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { requestPasswordReset, resetPassword } from '@quick-photos/client';
import { anonymous, signedOutNotice } from '../session.js';
import { Notice, Screen, useAction } from '../ui.js';

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, act } = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    await act(async () => {
    await requestPasswordReset({ client: anonymous, body: { email: email.trim() }, throwOnError: true });
    setSent(true);
    });
  }

  return (
    <Screen title="Forgot password">
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <h1>Forgot your password?</h1>
        {sent ? (
          <>
            <p role="status">If an account exists for {email.trim()}, we've sent a code to it. It works once, for an hour.</p>
            <a class="button" href="/reset-password">
              I have a code
            </a>
          </>
        ) : (
          <>
            <p>Enter your account's email address and we'll send you a code to set a new password.</p>
            <div class="field">
              <label for="reset-email">Email</label>
              <input id="reset-email" type="email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            </div>
            <Notice error={error} />
            <button type="submit" class="primary" disabled={busy}>
              Send code
            </button>
          </>
        )}
        <p>
          <a href="/login">Back to log in</a>
        </p>
      </form>
    </Screen>
  );
}

export function ResetPassword() {
  const { route, query } = useLocation();
  const [token, setToken] = useState(typeof query.token === 'string' ? query.token : '');
  const [password, setPassword] = useState('');
  const { busy, error, act } = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    await act(async () => {
    await resetPassword({ client: anonymous, body: { token: token.trim(), password }, throwOnError: true });
    signedOutNotice.value = 'Your password was changed. Log in with the new one.';
    route('/login');
    });
  }

  return (
    <Screen title="Set a new password">
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <h1>Set a new password</h1>
        <div class="field">
          <label for="reset-code">Code from the email</label>
          <input id="reset-code" autocomplete="one-time-code" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="reset-password">New password</label>
          <input id="reset-password" type="password" autocomplete="new-password" required minLength={8} aria-describedby="reset-password-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          <small id="reset-password-hint" class="hint">
            At least 8 characters. Every device is logged out.
          </small>
        </div>
        <Notice error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Set password
        </button>
        <p>
          <a href="/forgot-password">Send a new code</a> · <a href="/login">Back to log in</a>
        </p>
      </form>
    </Screen>
  );
}
