/**
 * The signed-in session, kept across reloads: the refresh token lives in localStorage, the
 * access token is refreshed shortly before it expires (one refresh at a time, however many
 * requests wait on it). Every screen calls the API through `api`, the generated client with
 * this session's token.
 */
import { signal } from '@preact/signals';
import { createClient } from '../../client/src/client/index.js';
import { logOut, refreshSession, type Session } from '../../client/src/index.js';

const STORAGE_KEY = 'quick-photos.session';
const REFRESH_MARGIN_MS = 60_000;

interface Stored {
  username: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds when the access token expires. */
  accessExpiresAt: number;
}

function load(): Stored | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Stored) : undefined;
  } catch {
    return undefined;
  }
}

/** Who is signed in (undefined: nobody); screens re-render when it changes. */
export const currentUser = signal<string | undefined>(load()?.username);

let stored = load();
let refreshing: Promise<string | undefined> | undefined;

export const anonymous = createClient({ baseUrl: '' });

export function startSession(session: Session): void {
  stored = {
    username: session.username,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    accessExpiresAt: Date.now() + session.expiresIn * 1000,
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  currentUser.value = session.username;
}

export function endSession(): void {
  stored = undefined;
  localStorage.removeItem(STORAGE_KEY);
  currentUser.value = undefined;
}

async function refresh(): Promise<string | undefined> {
  const old = stored;
  if (!old) return undefined;
  const { data } = await refreshSession({ client: anonymous, body: { refreshToken: old.refreshToken } });
  if (!data) {
    endSession();
    return undefined;
  }
  startSession(data);
  return data.accessToken;
}

/** A valid access token, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | undefined> {
  if (!stored) return undefined;
  if (stored.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) return stored.accessToken;
  refreshing ??= refresh().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

export const api = createClient({ baseUrl: '', auth: accessToken });

export async function signOut(): Promise<void> {
  const refreshToken = stored?.refreshToken;
  endSession();
  if (refreshToken) await logOut({ client: anonymous, body: { refreshToken } });
}
