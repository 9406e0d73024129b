/**
 * Apple Push Notification service: HTTP/2 with token-based authentication (an ES256 JWT
 * signed with the team's .p8 key, `kid` = key id, `iss` = team id), renewed every 50 minutes
 * (Apple refuses tokens older than an hour and throttles renewals more often than every 20).
 */
import { importPKCS8, SignJWT } from 'jose';
import type { StoredDevice } from '../patterns/push.js';
import type { ApnsConfig } from '../config/push.js';
import { H2Client } from './http2.js';
import { isRetryStatus, retryAfterMs, type PushNotification, type PushSender, type SendResult } from './types.js';

const TOKEN_LIFE_MS = 50 * 60_000;
/** APNs reasons that mean the token will never work again. */
const DEAD = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic']);

export function apnsSender(config: ApnsConfig, options: { ca?: string | undefined; timeoutMs: number }): PushSender {
  const client = new H2Client(config.url, options);
  let token: { jwt: string; at: number } | undefined;
  const providerToken = async (renew = false): Promise<string> => {
    if (!renew && token && Date.now() - token.at < TOKEN_LIFE_MS) return token.jwt;
    const key = await importPKCS8(config.key, 'ES256');
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: config.keyId }).setIssuer(config.teamId).setIssuedAt().sign(key);
    token = { jwt, at: Date.now() };
    return jwt;
  };

  const post = async (device: StoredDevice, notification: PushNotification, renew: boolean) => {
    const body = JSON.stringify({ aps: { alert: { title: notification.title, body: notification.body }, 'thread-id': notification.kind }, url: notification.url });
    return client.request(
      `/3/device/${encodeURIComponent(device.token ?? '')}`,
      {
        authorization: `bearer ${await providerToken(renew)}`,
        'apns-topic': config.topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-expiration': String(Math.floor(Date.now() / 1000) + notification.ttlSeconds),
        // At most 64 bytes.
        'apns-collapse-id': notification.collapseKey.slice(0, 64),
        'content-type': 'application/json',
      },
      body,
    );
  };

  return {
    kind: 'apns',
    async send(device, notification): Promise<SendResult> {
      if (!device.token) return { outcome: 'gone', reason: 'no device token' };
      try {
        let answer = await post(device, notification, false);
        let reason = parseReason(answer.body);
        // A token Apple considers expired (clock skew, a key rotated): one fresh token, once.
        if (answer.status === 403 && reason === 'ExpiredProviderToken') {
          answer = await post(device, notification, true);
          reason = parseReason(answer.body);
        }
        if (answer.status === 200) return { outcome: 'sent' };
        if (answer.status === 410 || DEAD.has(reason)) return { outcome: 'gone', reason: `APNs ${answer.status} ${reason}` };
        if (isRetryStatus(answer.status)) return { outcome: 'retry', reason: `APNs ${answer.status} ${reason}`, retryAfterMs: retryAfterMs(answer.headers['retry-after']) };
        return { outcome: 'rejected', reason: `APNs ${answer.status} ${reason}` };
      } catch (error) {
        return { outcome: 'retry', reason: error instanceof Error ? error.message : String(error) };
      }
    },
    close: () => client.close(),
  };
}

function parseReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as { reason?: unknown };
    return typeof parsed.reason === 'string' ? parsed.reason : '';
  } catch {
    return '';
  }
}
