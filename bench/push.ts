/**
 * `npm run bench:push`: write-to-push latency, from a reaction's write returning to the
 * encrypted notification arriving at a local Web Push service (the test stand-in: TLS, VAPID
 * checked, payload decrypted), through the table's stream and a worker with production
 * settings, on the embedded engine. `measurePushLatency` is exported for other benches
 * (bench:events reports it beside write-to-event).
 */
import webpush from 'web-push';
import { ensureTable } from '../src/admin/table.js';
import { loadConfig } from '../src/config/index.js';
import { batchWrite } from '../src/derived/store/index.js';
import { createWorker } from '../src/derived/worker.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { createCursorCodec, createSession, reactToPhoto, registerPushDevice, uploadPhoto, type Db } from '../src/patterns/index.js';
import { Credentials, User } from '../src/schema/entities/index.js';
import { startWebPushService, TLS } from '../test/push/standins.js';
import { percentile } from './stats.js';

export interface PushLatency {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
}

const person = (username: string) => [
  { put: { ...User.encode({ username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers: 0, following: 0 }) } },
  { put: { ...Credentials.encode({ username, passwordHash: 'x', createdAt: new Date().toISOString() }) } },
];

/** `samples` reactions, one at a time, each to a photo of its own (no collapse): ms from write to arrival. */
export async function measurePushLatency(endpoint: string, samples = 50): Promise<PushLatency> {
  const web = await startWebPushService();
  const vapid = webpush.generateVAPIDKeys();
  const config = loadConfig({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:bench@example.com', PUSH_CA: TLS.cert, PUSH_WEB_HOSTS: '127.0.0.1' });
  const clients = createClients({ endpoint, local: true, requestTimeoutMs: 30_000 });
  const table = `bench-push-${Date.now()}`;
  await ensureTable(clients.client, table);
  const db: Db = { doc: clients.doc, table, cursors: createCursorCodec('bench-push-cursor-secret-0123456789') };
  await batchWrite(db, [...person('owner'), ...person('fan')]);
  const session = await createSession(db, 'owner', 3600);
  const subscription = web.subscribe('owner');
  await registerPushDevice(db, 'owner', session.sessionId, { kind: 'web', endpoint: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth }, { webHosts: ['127.0.0.1'], max: 20, kinds: ['web'] });
  const photos: string[] = [];
  for (let i = 0; i < samples; i++) photos.push((await uploadPhoto(db, { username: 'owner', location: `file:///${i}.png` })).timestamp);
  const worker = createWorker({ client: clients.client, db, settings: config.derived });
  await worker.drain(120_000);
  const latencies: number[] = [];
  try {
    for (const timestamp of photos) {
      const before = web.received.length;
      await reactToPhoto(db, { reactingUser: 'fan', owner: 'owner', timestamp, type: 'heart' });
      const written = Date.now();
      const deadline = written + 30_000;
      while (web.received.length === before) {
        if (Date.now() > deadline) throw new Error('a push did not arrive within 30 s');
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(web.received[before]!.at - written);
    }
  } finally {
    await worker.stop();
    await web.close();
  }
  const sorted = latencies.sort((a, b) => a - b);
  return { samples: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = await startEmbeddedEngine();
  try {
    const result = await measurePushLatency(engine.endpoint, Number(process.env.PUSH_SAMPLES ?? 50));
    process.stdout.write(`write-to-push (Web Push, worker poll ${loadConfig({}).derived.pollMs} ms): ${result.samples} samples, p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms\n`);
  } finally {
    await engine.stop();
  }
}
