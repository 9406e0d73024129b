/**
 * Firebase Cloud Messaging HTTP v1: `POST /v1/projects/<id>/messages:send` with an OAuth2
 * access token, got by the JWT-bearer grant (RFC 7523) signed with the service account's key
 * and kept until five minutes before it expires.
 */
import { importPKCS8, SignJWT } from 'jose';
import type { StoredDevice } from '../patterns/push.js';
import type { FcmConfig } from '../config/push.js';
import { H2Client } from './http2.js';
import { isRetryStatus, retryAfterMs, type PushNotification, type PushSender, type SendResult } from './types.js';

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export function fcmSender(config: FcmConfig, options: { ca?: string | undefined; timeoutMs: number }): PushSender {
  const api = new H2Client(config.url, options);
  const tokenUrl = new URL(config.tokenUrl);
  const auth = new H2Client(tokenUrl.origin, options);
  let access: { token: string; until: number } | undefined;

  const accessToken = async (renew = false): Promise<string> => {
    if (!renew && access && Date.now() < access.until) return access.token;
    const key = await importPKCS8(config.privateKey, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(config.clientEmail)
      .setAudience(config.tokenUrl)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    const answer = await auth.request(tokenUrl.pathname + tokenUrl.search, { 'content-type': 'application/x-www-form-urlencoded' }, form);
    if (answer.status !== 200) throw new Error(`FCM token endpoint answered ${answer.status}`);
    const parsed = JSON.parse(answer.body) as { access_token?: unknown; expires_in?: unknown };
    if (typeof parsed.access_token !== 'string') throw new Error('FCM token endpoint gave no access_token');
    const seconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    access = { token: parsed.access_token, until: Date.now() + Math.max(0, seconds - 300) * 1000 };
    return access.token;
  };

  const post = async (device: StoredDevice, notification: PushNotification, renew: boolean) => {
    const message = {
      token: device.token,
      notification: { title: notification.title, body: notification.body },
      data: { url: notification.url, kind: notification.kind },
      android: { collapse_key: notification.collapseKey.slice(0, 64), ttl: `${notification.ttlSeconds}s` },
    };
    return api.request(
      `/v1/projects/${encodeURIComponent(config.projectId)}/messages:send`,
      { authorization: `Bearer ${await accessToken(renew)}`, 'content-type': 'application/json' },
      JSON.stringify({ message }),
    );
  };

  return {
    kind: 'fcm',
    async send(device, notification): Promise<SendResult> {
      if (!device.token) return { outcome: 'gone', reason: 'no registration token' };
      try {
        let answer = await post(device, notification, false);
        // An access token revoked or expired early: one fresh token, once.
        if (answer.status === 401) answer = await post(device, notification, true);
        const code = errorCode(answer.body);
        if (answer.status === 200) return { outcome: 'sent' };
        if (answer.status === 404 || code === 'UNREGISTERED') return { outcome: 'gone', reason: `FCM ${answer.status} ${code}` };
        if (isRetryStatus(answer.status)) return { outcome: 'retry', reason: `FCM ${answer.status} ${code}`, retryAfterMs: retryAfterMs(answer.headers['retry-after']) };
        return { outcome: 'rejected', reason: `FCM ${answer.status} ${code}` };
      } catch (error) {
        return { outcome: 'retry', reason: error instanceof Error ? error.message : String(error) };
      }
    },
    close: () => {
      api.close();
      auth.close();
    },
  };
}

/** FCM's error: `error.details[].errorCode` (UNREGISTERED, QUOTA_EXCEEDED...) or `error.status`. */
function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { status?: unknown; details?: { errorCode?: unknown }[] } };
    const detail = parsed.error?.details?.find((d) => typeof d.errorCode === 'string')?.errorCode;
    return typeof detail === 'string' ? detail : typeof parsed.error?.status === 'string' ? parsed.error.status : '';
  } catch {
    return '';
  }
}
