/** Reporting a user or a photo to the moderators: a reason from the API's list, optional details. */
import { useState } from 'preact/hooks';
import { reportPhoto, reportUser, type ReportUserData } from '@quick-photos/client';
import { api } from '../session.js';
import { useAction } from '../ui.js';
import { Dialog } from './dialog.js';

type Reason = ReportUserData['body']['reason'];

/** The API's reasons (src/patterns/safety/reports.ts REPORT_REASONS), in words. */
export const REASONS: { value: Reason; label: string }[] = [
  { value: 'spam', label: 'Spam' },
  { value: 'nudity', label: 'Nudity or sexual content' },
  { value: 'harassment', label: 'Harassment or bullying' },
  { value: 'hate', label: 'Hate speech or symbols' },
  { value: 'violence', label: 'Violence or threats' },
  { value: 'self_harm', label: 'Self-harm' },
  { value: 'impersonation', label: 'Pretending to be someone else' },
  { value: 'other', label: 'Something else' },
];

export type ReportTarget = { kind: 'user'; username: string } | { kind: 'photo'; photoId: string; username: string };

export function ReportDialog({ target, onClose }: { target: ReportTarget; onClose: () => void }) {
  const [reason, setReason] = useState<Reason>();
  const [text, setText] = useState('');
  const { busy, error, setError, act } = useAction();
  // 201: a new report; 200: the earlier one of this reporter stands.
  const [outcome, setOutcome] = useState<'sent' | 'again'>();
  const what = target.kind === 'user' ? `@${target.username}` : `this photo by @${target.username}`;

  async function submit(event: Event) {
    event.preventDefault();
    if (!reason) {
      setError('Choose a reason.');
      return;
    }
    await act(async () => {
    const body = { reason, ...(text.trim() ? { text: text.trim() } : {}) };
    const { response } =
      target.kind === 'user'
        ? await reportUser({ client: api, path: { username: target.username }, body, throwOnError: true })
        : await reportPhoto({ client: api, path: { photoId: target.photoId }, body, throwOnError: true });
    setOutcome(response.status === 201 ? 'sent' : 'again');
    });
  }

  if (outcome) {
    return (
      <Dialog title={outcome === 'sent' ? "Thanks, we'll review it" : 'Already reported'} onClose={onClose}>
        <div class="body">
          <p role="status">
            {outcome === 'sent'
              ? `Your report of ${what} went to our moderators. They will look at it; you won't be named to ${target.kind === 'user' ? 'them' : 'its owner'}.`
              : `You reported ${what} before; our moderators have your first report.`}
          </p>
          <div class="actions">
            <button type="button" class="primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={target.kind === 'user' ? `Report @${target.username}` : 'Report photo'} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>Why are you reporting {what}?</legend>
          {REASONS.map((r) => (
            <label key={r.value} class="choice">
              <input type="radio" name="reason" value={r.value} checked={reason === r.value} onChange={() => setReason(r.value)} />
              {r.label}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="report-text">Details (optional)</label>
          <textarea id="report-text" maxLength={1000} rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        {error ? (
          <p class="notice" role="alert">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Send report
          </button>
        </div>
      </form>
    </Dialog>
  );
}
