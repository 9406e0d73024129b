/** Push configuration: each sender all or nothing, strict URLs, and one start-up line saying what is on. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { DEFAULT_WEB_PUSH_HOSTS, pushSummary } from '../../src/config/push.js';
import { configuredKinds } from '../../src/push/index.js';

const vapid = { VAPID_PUBLIC_KEY: 'BPub', VAPID_PRIVATE_KEY: 'priv', VAPID_SUBJECT: 'mailto:ops@example.com' };

describe('push configuration', () => {
  it('is off with nothing set, and says so in one line', () => {
    const push = loadConfig({}).derived.push;
    expect(configuredKinds(push)).toEqual([]);
    expect(pushSummary(push)).toBe('push notifications off: no VAPID_*, APNS_* or FCM_* configured');
    expect(push?.webHosts).toEqual(DEFAULT_WEB_PUSH_HOSTS);
  });

  it('turns Web Push on with all three VAPID variables, and refuses a half-configured sender', () => {
    const push = loadConfig(vapid).derived.push;
    expect(configuredKinds(push)).toEqual(['web']);
    expect(pushSummary(push)).toBe('push notifications on: Web Push');
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: 'BPub' })).toThrow(/VAPID_PRIVATE_KEY, VAPID_SUBJECT/);
    expect(() => loadConfig({ ...vapid, VAPID_SUBJECT: 'ops@example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ APNS_KEY_ID: 'K', APNS_TEAM_ID: 'T' })).toThrow(/APNS_KEY, APNS_TOPIC/);
  });

  it('takes only https service URLs and parses the allowed Web Push hosts', () => {
    const apns = { APNS_KEY: '-----BEGIN PRIVATE KEY-----\\nx\\n-----END PRIVATE KEY-----', APNS_KEY_ID: 'K', APNS_TEAM_ID: 'T', APNS_TOPIC: 'com.example' };
    expect(loadConfig(apns).derived.push?.apns?.key).toContain('\nx\n');
    expect(() => loadConfig({ ...apns, APNS_URL: 'http://api.push.apple.com' })).toThrow(/APNS_URL must be an https URL/);
    expect(loadConfig({ PUSH_WEB_HOSTS: ' 127.0.0.1, .Example.com ' }).derived.push?.webHosts).toEqual(['127.0.0.1', '.example.com']);
    expect(() => loadConfig({ PUSH_DEVICES_PER_USER: '0' })).toThrow(/PUSH_DEVICES_PER_USER/);
  });
});
