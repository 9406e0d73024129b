/** Push senders, built from the configuration: one per configured service (none: push is off). */
import type { PushConfig } from '../config/push.js';
import { apnsSender } from './apns.js';
import { fcmSender } from './fcm.js';
import type { PushKind, PushSender } from './types.js';
import { webPushSender } from './webpush.js';

export * from './types.js';
export { pushConfig, pushSummary, type PushConfig } from '../config/push.js';

export function createSenders(config: PushConfig | undefined): Map<PushKind, PushSender> {
  const senders = new Map<PushKind, PushSender>();
  if (!config) return senders;
  const options = { ca: config.ca, timeoutMs: config.timeoutMs };
  if (config.web) senders.set('web', webPushSender(config.web, options));
  if (config.apns) senders.set('apns', apnsSender(config.apns, options));
  if (config.fcm) senders.set('fcm', fcmSender(config.fcm, options));
  return senders;
}

/** The device kinds this configuration can send to (what registration accepts). */
export function configuredKinds(config: PushConfig | undefined): PushKind[] {
  return (['web', 'apns', 'fcm'] as const).filter((kind) => config?.[kind] !== undefined);
}
