/**
 * Push configuration, read from the environment with the rest (index.ts). Each sender is
 * on only when all of its variables are set; none set means push is off (the API then refuses
 * to register devices, and the worker's push view only tidies up).
 */
import { readFileSync } from 'node:fs';
import { positiveInt, type Env } from './env.js';
import { ConfigError } from './error.js';

export interface WebPushConfig {
  /** VAPID key pair (base64url, as `web-push generate-vapid-keys` prints them) and the contact URL. */
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface ApnsConfig {
  /** The .p8 signing key (PKCS#8 PEM), its key id and the team id: ES256 provider tokens. */
  key: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id (`apns-topic`). */
  topic: string;
  /** https://api.push.apple.com (production) or https://api.sandbox.push.apple.com. */
  url: string;
}

export interface FcmConfig {
  projectId: string;
  clientEmail: string;
  /** The service account's private key (PKCS#8 PEM): signs the OAuth2 JWT grant. */
  privateKey: string;
  tokenUrl: string;
  /** https://fcm.googleapis.com */
  url: string;
}

export interface PushConfig {
  web: WebPushConfig | undefined;
  apns: ApnsConfig | undefined;
  fcm: FcmConfig | undefined;
  /**
   * Hosts a Web Push endpoint may name (exact, or `.suffix` for its subdomains): the browsers'
   * push services by default, so a client cannot make the worker call an address of its choosing.
   */
  webHosts: string[];
  /** Seconds a push service keeps an undelivered notification (TTL header, apns-expiration). */
  ttlSeconds: number;
  /** A notification still failing transiently this long after its activity is given up (logged). */
  retryForSeconds: number;
  /** Bursts within this many seconds (same recipient, kind and subject) are one notification. */
  collapseSeconds: number;
  /** Devices one account may register; the oldest is dropped past it. */
  devicesPerUser: number;
  /** Extra CA certificates (PEM) the senders trust: a private gateway, or the tests' stand-ins. */
  ca: string | undefined;
  /** Bound on one request to a push service. */
  timeoutMs: number;
}

/** The browsers' push services (Chrome/Edge via FCM, Firefox, Safari, Windows). */
export const DEFAULT_WEB_PUSH_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '.push.apple.com', '.notify.windows.com', 'push.services.mozilla.com'];

/** A PEM given inline or, with the `_FILE` variant, by path. */
function pem(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${name}_FILE: cannot read "${file}" (${(error as Error).message}).`);
    }
  }
  return env[name]?.replace(/\\n/g, '\n') || undefined;
}

/** All of a sender's variables, or none: a half-configured sender is a mistake worth stopping for. */
function group(env: Env, sender: string, values: Record<string, string | undefined>): boolean {
  const missing = Object.entries(values).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length === 0) return true;
  if (missing.length === Object.keys(values).length) return false;
  throw new ConfigError(`${sender} push is half configured: set ${missing.join(', ')} too (or none of its variables).`);
}

function httpsUrl(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an https URL; got "${raw}".`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`${name} must be an https URL; got "${raw}".`);
  return raw.replace(/\/$/, '');
}

function fcmConfig(env: Env): FcmConfig | undefined {
  const file = env.FCM_SERVICE_ACCOUNT_FILE;
  if (!file) return undefined;
  let account: Record<string, unknown>;
  try {
    account = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`FCM_SERVICE_ACCOUNT_FILE: cannot read a service-account JSON from "${file}" (${(error as Error).message}).`);
  }
  const field = (name: string) => {
    const value = account[name];
    return typeof value === 'string' ? value : undefined;
  };
  const projectId = env.FCM_PROJECT_ID || field('project_id');
  const clientEmail = field('client_email');
  const privateKey = field('private_key');
  if (!projectId || !clientEmail || !privateKey) throw new ConfigError('FCM_SERVICE_ACCOUNT_FILE must hold project_id, client_email and private_key.');
  return {
    projectId,
    clientEmail,
    privateKey,
    tokenUrl: httpsUrl(env, 'FCM_TOKEN_URL', field('token_uri') ?? 'https://oauth2.googleapis.com/token'),
    url: httpsUrl(env, 'FCM_URL', 'https://fcm.googleapis.com'),
  };
}

export function pushConfig(env: Env): PushConfig {
  const vapid = { VAPID_PUBLIC_KEY: env.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: env.VAPID_PRIVATE_KEY, VAPID_SUBJECT: env.VAPID_SUBJECT };
  const web = group(env, 'Web', vapid) ? { publicKey: vapid.VAPID_PUBLIC_KEY!, privateKey: vapid.VAPID_PRIVATE_KEY!, subject: vapid.VAPID_SUBJECT! } : undefined;
  if (web && !/^(mailto:|https:\/\/)/.test(web.subject)) throw new ConfigError(`VAPID_SUBJECT must be a mailto: or https: URL; got "${web.subject}".`);
  const apnsValues = { APNS_KEY: pem(env, 'APNS_KEY'), APNS_KEY_ID: env.APNS_KEY_ID, APNS_TEAM_ID: env.APNS_TEAM_ID, APNS_TOPIC: env.APNS_TOPIC };
  const apns = group(env, 'APNs', apnsValues)
    ? { key: apnsValues.APNS_KEY!, keyId: apnsValues.APNS_KEY_ID!, teamId: apnsValues.APNS_TEAM_ID!, topic: apnsValues.APNS_TOPIC!, url: httpsUrl(env, 'APNS_URL', 'https://api.push.apple.com') }
    : undefined;
  const hosts = (env.PUSH_WEB_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  return {
    web,
    apns,
    fcm: fcmConfig(env),
    webHosts: hosts.length > 0 ? hosts : DEFAULT_WEB_PUSH_HOSTS,
    ttlSeconds: positiveInt(env, 'PUSH_TTL_SECONDS', 24 * 3600),
    retryForSeconds: positiveInt(env, 'PUSH_RETRY_SECONDS', 600),
    collapseSeconds: positiveInt(env, 'PUSH_COLLAPSE_SECONDS', 60),
    devicesPerUser: positiveInt(env, 'PUSH_DEVICES_PER_USER', 20),
    ca: pem(env, 'PUSH_CA'),
    timeoutMs: positiveInt(env, 'PUSH_TIMEOUT_MS', 10_000),
  };
}

/** "Push: Web Push, APNs" or the line saying push is off. */
export function pushSummary(config: PushConfig | undefined): string {
  const on = [config?.web && 'Web Push', config?.apns && 'APNs', config?.fcm && 'FCM'].filter(Boolean);
  return on.length > 0 ? `push notifications on: ${on.join(', ')}` : 'push notifications off: no VAPID_*, APNS_* or FCM_* configured';
}
