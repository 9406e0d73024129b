/**
 * Settings' "Where you're logged in": every live session with its device and when it was last
 * used, this device marked; log one out, or all of them after a confirmation.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { endSession as endOneSession, listSessions, logOutEverywhere, type SessionSummary as SessionItem } from '@quick-photos/client';
import { ConfirmDialog } from '../dialogs/dialog.js';
import '../dialogs/dialogs.css';
import { api, endSession } from '../session.js';
import { RowsSkeleton } from '../layout/skeleton.js';
import { Ago, Notice, problem, useAction } from '../ui.js';

export function SessionsSection() {
  const { route } = useLocation();
  const [sessions, setSessions] = useState<SessionItem[]>();
  const [message, setMessage] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, setError, act } = useAction();

  // Retry asks again: a new attempt re-runs the effect.
  const [attempt, setAttempt] = useState(0);
  const [failed, setFailed] = useState<string>();

  useEffect(() => {
    listSessions({ client: api, throwOnError: true })
      .then(({ data }) => setSessions(data.items))
      .catch((e: unknown) => setFailed(problem(e)));
  }, [attempt]);

  async function logOut(session: SessionItem) {
    await act(async () => {
    await endOneSession({ client: api, path: { sessionId: session.id }, throwOnError: true });
    if (session.current) {
      endSession();
      route('/login');
      return;
    }
    setSessions((old) => old?.filter((s) => s.id !== session.id));
    setMessage(`Logged out ${session.device ?? 'that device'}.`);
    });
  }

  async function everywhere() {
    await act(async () => {
    await logOutEverywhere({ client: api, throwOnError: true });
    endSession();
    route('/login');
    });
  }

  return (
    <section class="card form" aria-labelledby="section-sessions">
      <h2 id="section-sessions">Where you're logged in</h2>
      {sessions === undefined && !failed ? <RowsSkeleton count={2} /> : null}
      {failed ? (
        <div class="more-failed">
          <Notice error={failed} inline />
          <button class="more" type="button" onClick={() => (setFailed(undefined), setAttempt((n) => n + 1))}>
            Retry
          </button>
        </div>
      ) : null}
      {sessions ? (
        <ul class="sessions" aria-label="Sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              <span class="names">
                <span>
                  {s.device ?? 'Unknown device'}
                  {s.current ? <strong> · This device</strong> : null}
                </span>
                <span class="muted">
                  Last active <Ago at={s.lastUsedAt} />
                </span>
              </span>
              <button type="button" disabled={busy} aria-label={`Log out ${s.current ? 'this device' : (s.device ?? 'unknown device')}`} onClick={() => void logOut(s)}>
                Log out
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {error && !confirming ? (
        <p class="notice" role="alert">
          {error}
        </p>
      ) : null}
      {message ? <p role="status">{message}</p> : null}
      <button type="button" onClick={() => setConfirming(true)}>
        Log out everywhere
      </button>
      {confirming ? (
        <ConfirmDialog
          title="Log out everywhere?"
          description="Every device logged in to your account is logged out, this one too. You will need your password to log in again."
          confirm="Log out everywhere"
          danger
          busy={busy}
          error={error}
          onConfirm={everywhere}
          onClose={() => {
            setConfirming(false);
            setError(undefined);
          }}
        />
      ) : null}
    </section>
  );
}
