/**
 * The signed-in session, kept across reloads and shared by every tab: the pair (access and
 * refresh token) lives in localStorage, the one place all tabs of the app see. Refresh tokens
 * rotate and are single use (the server treats an old one, presented late, as stolen and
 * revokes the whole log-in), so a tab never trusts its own copy when it refreshes: it takes
 * the newest pair from localStorage first (another tab may have rotated it already, and if
 * that access token is still good there is nothing to refresh), and `storage` events keep
 * its copy in step with the other tabs (a refresh, a new log-in, a log-out). The access
 * token is refreshed shortly before it expires, one refresh at a time per tab, however many
 * requests wait on it. Every screen calls the API through `api`, the generated client with
 * this session's token.
 *
 * The server may end the session at any time (log-out elsewhere, log out everywhere, a password
 * change, suspension, deletion): any answer 401 SESSION_ENDED (or a refused refresh) drops the
 * pair and shows the log-in screen with `signedOutNotice`, instead of each screen's raw error.
 * Every tab that held that pair says so, not only the one that heard first: the reason travels
 * with the cleared pair through storage (`ENDED_KEY`), and a person's own log-out writes none.
 */
import { signal } from '@preact/signals';
import { createClient } from '@quick-photos/client/client';
import { logOut, refreshSession, type Session } from '@quick-photos/client';

const STORAGE_KEY = 'quick-photos.session';
/** Whose session the server ended (a username), written just before the pair is cleared; removed by the next log-in (a pair never outlives it). */
const ENDED_KEY = 'quick-photos.session-ended';
const ENDED_NOTICE = 'You were signed out. Log in again to continue.';
const REFRESH_MARGIN_MS = 60_000;

interface Stored {
  username: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds when the access token expires. */
  accessExpiresAt: number;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

function isStored(value: unknown): value is Stored {
  return (
    typeof value === 'object' &&
    value !== null &&
    'username' in value &&
    nonEmpty(value.username) &&
    'accessToken' in value &&
    nonEmpty(value.accessToken) &&
    'refreshToken' in value &&
    nonEmpty(value.refreshToken) &&
    'accessExpiresAt' in value &&
    typeof value.accessExpiresAt === 'number' &&
    Number.isFinite(value.accessExpiresAt)
  );
}

/** The stored pair, or undefined (nobody signed in) when it is missing or malformed. */
function parse(raw: string | null): Stored | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return isStored(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function load(): Stored | undefined {
  try {
    return parse(localStorage.getItem(STORAGE_KEY));
  } catch {
    return undefined;
  }
}

let stored = load();
let refreshing: Promise<string | undefined> | undefined;

/** Who is signed in (undefined: nobody); screens re-render when it changes. */
export const currentUser = signal<string | undefined>(stored?.username);

/** Why this tab is on the log-in screen when the server ended its session; cleared by the next log-in. */
export const signedOutNotice = signal<string | undefined>(undefined);

/** Answers that mean the pair is dead: another attempt with it cannot succeed. */
const ENDED_CODES = new Set(['SESSION_ENDED', 'UNAUTHORIZED']);

/**
 * This tab's copy follows what is stored (no write: it already is). A pair that went because
 * the server ended it (another tab heard first) shows the notice here too; a pair back (a
 * log-in, here or in another tab) ends it.
 */
function adopt(next: Stored | undefined): void {
  const previous = stored;
  stored = next;
  currentUser.value = next?.username;
  if (next) signedOutNotice.value = undefined;
  else if (previous && localStorage.getItem(ENDED_KEY) === previous.username) signedOutNotice.value = ENDED_NOTICE;
}

const fresh = (session: Stored): boolean => session.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS;

// Another tab refreshed, logged in or logged out: follow it (the event never fires in the tab that wrote).
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== null && event.key !== STORAGE_KEY) return;
    if (event.storageArea && event.storageArea !== localStorage) return;
    // key null: the storage was cleared.
    adopt(event.key === null ? undefined : parse(event.newValue));
  });
}

export const anonymous = createClient({ baseUrl: '' });

export function startSession(session: Session): void {
  const next: Stored = {
    username: session.username,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    accessExpiresAt: Date.now() + session.expiresIn * 1000,
  };
  localStorage.removeItem(ENDED_KEY);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  adopt(next);
}

/** The person ended the session (log-out, account deleted): no word left, so no tab says "signed out". */
export function endSession(): void {
  localStorage.removeItem(STORAGE_KEY);
  adopt(undefined);
}

/** The server ended the session (not a log-out from this tab): drop it and say so on the log-in screen, in every tab. */
function sessionEndedByServer(): void {
  // Written before the pair goes: the other tabs' storage events arrive in the same order.
  if (stored) localStorage.setItem(ENDED_KEY, stored.username);
  endSession();
  signedOutNotice.value = ENDED_NOTICE;
}

const sameSession = (a: Stored | undefined, b: Stored | undefined): boolean => a?.refreshToken === b?.refreshToken;

async function refresh(): Promise<string | undefined> {
  // The newest pair any tab holds: maybe already refreshed elsewhere, maybe logged out.
  const latest = load();
  adopt(latest);
  if (!latest) return undefined;
  if (fresh(latest)) return latest.accessToken;

  const { data, response } = await refreshSession({ client: anonymous, body: { refreshToken: latest.refreshToken } });
  const now = load();
  if (!sameSession(now, latest)) {
    // Changed while we asked (a log-out, a new log-in, or a tab that refreshed the same pair): its word wins.
    adopt(now);
    return now && now.accessExpiresAt > Date.now() ? now.accessToken : undefined;
  }
  if (data) {
    startSession(data);
    return data.accessToken;
  }
  // Refused (invalid, reused, account suspended or deleted): the session is over. Anything else
  // (offline, rate limited, server trouble) keeps it; the next request tries again.
  const status = response?.status ?? 0;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    sessionEndedByServer();
    return undefined;
  }
  return latest.accessExpiresAt > Date.now() ? latest.accessToken : undefined;
}

/** A valid access token, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | undefined> {
  if (!stored) return undefined;
  if (fresh(stored)) return stored.accessToken;
  refreshing ??= refresh().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

export const api = createClient({ baseUrl: '', auth: accessToken });

// Every screen's calls pass here: a session the server ended is dropped whichever call found out.
api.interceptors.response.use(async (response, request) => {
  if (response.status !== 401) return response;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  const code = typeof body === 'object' && body !== null && 'error' in body ? (body.error as { code?: unknown } | null)?.code : undefined;
  // Only if the token that was refused is still this tab's (a tab that just logged in again keeps its new pair).
  const sent = request.headers.get('authorization');
  if (typeof code === 'string' && ENDED_CODES.has(code) && stored && sent === `Bearer ${stored.accessToken}`) sessionEndedByServer();
  return response;
});

export async function signOut(): Promise<void> {
  const refreshToken = (load() ?? stored)?.refreshToken;
  endSession();
  if (refreshToken) await logOut({ client: anonymous, body: { refreshToken } });
}
