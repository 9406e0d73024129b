/**
 * The push view: every activity item a record yields (the activity view's own logic, run with
 * a sink instead of the table, so a new activity kind is pushed without a change here) becomes
 * a notification to the recipient's devices, if they want that kind.
 *
 * - Collapse: one notification per (recipient, kind, subject, window): the first item of a
 *   burst claims the collapse item; ten reactions to one photo within the window are one push.
 * - Checked at send time: blocks, suspension, private accounts (their photos, and their texts:
 *   a comment, a reply or a mention by one reaches their followers only), and that what it tells of still
 *   exists (src/patterns/push.ts pushAllowed); devices whose session ended are pruned, not sent to.
 * - Delivery: at least once per device, never twice in practice. The collapse item records the
 *   devices sent to (after each send); a replay or restart skips them. Only a crash between a
 *   push service's 201 and that write sends again, and then the same Topic / apns-collapse-id /
 *   collapse_key makes the device show one notification. At-most-once (recording before
 *   sending) would lose a notification on every such crash instead: losing is the worse failure.
 * - Failures: dead endpoints are removed; 429/5xx/timeouts are retried here briefly, then the
 *   record fails as transient and the engine retries it (its checkpoint never passes an unsent
 *   push) until `retryForSeconds` after the activity, when it is given up.
 */
import { createSenders, type PushNotification, type PushSender, type SendResult } from '../../push/index.js';
import { showsActorText } from '../../patterns/activity.js';
import { kindEnabled, pushAllowed, pushStateOf, removePushDevice, removeSessionDevices, splitByLiveSession, type StoredDevice } from '../../patterns/push.js';
import { backoff } from '../../backoff.js';
import { classifyDerivedKey, classifySafetyKey, derivedKeys, sessionIdOfKey } from '../../schema/keys.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { claimCollapse, markPushSent } from '../store/index.js';
import { activityRequires, activityView, type ActivitySink } from './activity.js';
import { mentionView } from './mentions.js';
import type { ViewContext } from './context.js';

/** Tries of one device within one apply, before the record is handed back to the engine's retry. */
const SEND_ATTEMPTS = 3;

/** A push service still failing: transient for the engine (apply.ts isTransient), so the record is retried, never skipped. */
export class PushDeferred extends Error {
  override readonly name = 'PushDeferred';
  readonly $retryable = { throttling: false };
}

interface ActivityFact {
  recipient: string;
  sk: string;
  item: Record<string, unknown>;
}

/** The activity time (UTC, without a zone) in epoch ms. */
const epochOf = (at: string): number => Date.parse(`${at.slice(0, 23)}Z`);

function describe(item: Record<string, unknown>): { title: string; body: string } {
  const actor = String(item.actor);
  switch (item.type) {
    case 'follow':
      return { title: 'New follower', body: `${actor} started following you` };
    case 'request':
      return { title: 'Follow request', body: `${actor} asked to follow you` };
    case 'reaction':
      return { title: 'New reaction', body: `${actor} reacted to your photo` };
    // The comment's words stay in the app (its activity list, as the viewer may see them): a
    // notification passes through the push services and shows on a locked screen.
    case 'comment':
      return { title: 'New comment', body: `${actor} commented on your photo` };
    case 'reply':
      return { title: 'New reply', body: `${actor} replied to your comment` };
    case 'comment-like':
      return { title: 'New like', body: `${actor} liked your comment` };
    default:
      return { title: 'quick-photos', body: `${actor}: new ${String(item.type)}` };
  }
}

export interface PushViewOptions {
  /** Instead of the senders the configuration makes (tests). */
  senders?: Map<string, PushSender>;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export function pushView(ctx: ViewContext, options: PushViewOptions = {}): DerivedView {
  const config = ctx.settings.push;
  const senders: Map<string, PushSender> = options.senders ?? createSenders(config);
  const log = options.log ?? (() => undefined);

  /** The activity items this record yields, as the activity view would write them. */
  const factsOf = async (change: Change): Promise<ActivityFact[]> => {
    const facts: ActivityFact[] = [];
    const sink: ActivitySink = (item) => {
      const key = classifyDerivedKey({ PK: item.PK, SK: item.SK });
      if (key.kind === 'activity') facts.push({ recipient: key.user, sk: item.SK, item });
      return Promise.resolve();
    };
    // Mentions are activity written by a view of their own.
    await activityView(ctx, sink).apply(change);
    await mentionView(ctx, sink).apply(change);
    return facts;
  };

  const sendOne = async (sender: PushSender, device: StoredDevice, notification: PushNotification): Promise<SendResult> => {
    let result: SendResult = { outcome: 'retry', reason: 'not tried' };
    for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
      result = await sender.send(device, notification);
      if (result.outcome !== 'retry') return result;
      const wait = result.retryAfterMs;
      if (attempt + 1 < SEND_ATTEMPTS) await (wait !== undefined ? new Promise((r) => setTimeout(r, Math.min(wait, 5_000))) : backoff(attempt, 200, 2_000));
    }
    return result;
  };

  const deliver = async (fact: ActivityFact): Promise<void> => {
    if (!config) return;
    const { recipient, item } = fact;
    const kind = String(item.type);
    const at = epochOf(String(item.at));
    // Old news (a replay from long ago, a worker down for days) is not pushed.
    if (!(Date.now() - at < config.ttlSeconds * 1000)) return;
    const state = await pushStateOf(ctx.db, recipient);
    if (state.devices.length === 0 || !kindEnabled(state.kinds, kind)) return;
    const { live, orphaned } = await splitByLiveSession(ctx.db, recipient, state.devices);
    for (const device of orphaned) await removePushDevice(ctx.db, recipient, device.id);
    const reachable = live.filter((d) => senders.has(d.kind));
    if (reachable.length === 0) return;
    const photo = typeof item.photoTimestamp === 'string' ? { owner: typeof item.photoOwner === 'string' ? item.photoOwner : recipient, timestamp: item.photoTimestamp } : undefined;
    const allowed = await pushAllowed(ctx.db, { recipient, actor: String(item.actor), requires: activityRequires(recipient, item).map((r) => r.key), photo, actorText: showsActorText(kind) });
    if (!allowed) return;

    const windowMs = config.collapseSeconds * 1000;
    const window = new Date(Math.floor(at / windowMs) * windowMs).toISOString().slice(0, 19);
    const subject = photo ? `${photo.owner}/${photo.timestamp}` : '-';
    const collapse = derivedKeys.pushCollapse(recipient, kind, subject, window);
    const claim = await claimCollapse(ctx.derived, collapse, fact.sk, Math.floor(at / 1000) + config.ttlSeconds);
    if (!claim.owned) return;

    const notification: PushNotification = { ...describe(item), url: '/activity', kind, collapseKey: `${kind}:${subject}`, ttlSeconds: config.ttlSeconds };
    let pending = 0;
    for (const device of reachable) {
      if (claim.sentTo.includes(device.id)) continue;
      const result = await sendOne(senders.get(device.kind)!, device, notification);
      if (result.outcome === 'sent') await markPushSent(ctx.derived, collapse, device.id);
      else if (result.outcome === 'gone') {
        log('push endpoint gone; device removed', { recipient, device: device.id, reason: result.reason });
        await removePushDevice(ctx.db, recipient, device.id);
      } else if (result.outcome === 'rejected') {
        log('push refused; not retried', { recipient, device: device.id, reason: result.reason });
        await markPushSent(ctx.derived, collapse, device.id);
      } else pending++;
    }
    if (pending > 0) {
      if (Date.now() - at > config.retryForSeconds * 1000) log('push given up after retries', { recipient, kind, devices: pending });
      else throw new PushDeferred(`${pending} push device(s) of ${recipient} not reached yet`);
    }
  };

  return {
    name: 'push',
    async apply(change: Change): Promise<void> {
      // A session's end (log-out, log-out everywhere, ended from another device) takes its devices.
      if (change.event === 'REMOVE' && change.kind.kind === 'account') {
        const sessionId = sessionIdOfKey(change.kind.sk);
        if (sessionId !== undefined) await removeSessionDevices(ctx.db, change.kind.username, sessionId);
        return;
      }
      if (senders.size === 0 || change.event !== 'INSERT' || classifySafetyKey(change.key)?.kind === 'block') return;
      for (const fact of await factsOf(change)) await deliver(fact);
    },
  };
}
