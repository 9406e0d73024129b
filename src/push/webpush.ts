/**
 * Web Push (RFC 8030) through the `web-push` package: the payload encrypted for the
 * subscription (RFC 8291, aes128gcm), a VAPID ES256 JWT for the push service's origin
 * (RFC 8292), and TTL, Urgency and Topic headers (the Topic makes a newer notification of the
 * same burst replace a pending one).
 */
import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import webpush from 'web-push';
import type { StoredDevice } from '../patterns/push.js';
import type { WebPushConfig } from '../config/push.js';
import { isRetryStatus, retryAfterMs, type PushNotification, type PushSender, type SendResult } from './types.js';

/** A Topic is at most 32 characters of the URL-safe base64 alphabet. */
export const topicOf = (collapseKey: string): string => createHash('sha256').update(collapseKey).digest('base64url').slice(0, 32);

export function webPushSender(config: WebPushConfig, options: { ca?: string | undefined; timeoutMs: number }): PushSender {
  const agent = new Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
  return {
    kind: 'web',
    async send(device: StoredDevice, notification: PushNotification): Promise<SendResult> {
      if (!device.endpoint || !device.p256dh || !device.auth) return { outcome: 'gone', reason: 'subscription incomplete' };
      const payload = JSON.stringify({ title: notification.title, body: notification.body, url: notification.url, kind: notification.kind, tag: notification.collapseKey });
      try {
        await webpush.sendNotification({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, payload, {
          vapidDetails: { subject: config.subject, publicKey: config.publicKey, privateKey: config.privateKey },
          TTL: notification.ttlSeconds,
          urgency: 'normal',
          topic: topicOf(notification.collapseKey),
          contentEncoding: 'aes128gcm',
          agent,
          timeout: options.timeoutMs,
        });
        return { outcome: 'sent' };
      } catch (error) {
        if (!(error instanceof webpush.WebPushError)) return { outcome: 'retry', reason: error instanceof Error ? error.message : String(error) };
        const status = error.statusCode;
        if (status === 404 || status === 410) return { outcome: 'gone', reason: `push service answered ${status}` };
        if (isRetryStatus(status)) return { outcome: 'retry', reason: `push service answered ${status}`, retryAfterMs: retryAfterMs(error.headers['retry-after']) };
        return { outcome: 'rejected', reason: `push service answered ${status}: ${error.body.slice(0, 200)}` };
      }
    },
    close: () => agent.destroy(),
  };
}
