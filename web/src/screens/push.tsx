/**
 * Settings' "Notifications": push to this browser, offered only after the user asks (the
 * permission prompt follows a click, never a page load), subscribed through the service worker
 * with the server's VAPID key; the account's registered devices, each removable.
 */
import { useEffect, useState } from 'preact/hooks';
import { deletePushDevice, getPushConfig, listPushDevices, registerPushDevice, type PushDevice } from '@quick-photos/client';
import '../dialogs/dialogs.css';
import { api } from '../session.js';
import { Notice, problem, useAction } from '../ui.js';

/** The VAPID public key (base64url) as PushManager.subscribe takes it. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

export function PushSection() {
  const [key, setKey] = useState<string | null>();
  const [devices, setDevices] = useState<PushDevice[]>([]);
  const [message, setMessage] = useState<string>();
  const [failed, setFailed] = useState<string>();
  const { busy, error, act } = useAction();

  useEffect(() => {
    getPushConfig({ client: api, throwOnError: true })
      .then(({ data }) => setKey(data.vapidPublicKey ?? null))
      .catch((e: unknown) => setFailed(problem(e)));
    listPushDevices({ client: api, throwOnError: true })
      .then(({ data }) => setDevices(data.items))
      .catch((e: unknown) => setFailed(problem(e)));
  }, []);

  async function turnOn(vapidKey: string) {
    await act(async () => {
      // The prompt comes from this click: browsers refuse (and users resent) one on load.
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        setMessage('Notifications are blocked for this site in your browser settings.');
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapidKey) });
      const json = subscription.toJSON();
      const { data } = await registerPushDevice({
        client: api,
        body: { endpoint: json.endpoint ?? subscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } },
        throwOnError: true,
      });
      setDevices((old) => [data, ...old.filter((d) => d.id !== data.id)]);
      setMessage('Notifications are on for this browser.');
    });
  }

  async function remove(device: PushDevice) {
    await act(async () => {
      await deletePushDevice({ client: api, path: { deviceId: device.id }, throwOnError: true });
      if (device.current) await (await navigator.serviceWorker.ready).pushManager.getSubscription().then((s) => s?.unsubscribe());
      setDevices((old) => old.filter((d) => d.id !== device.id));
      setMessage('Notifications are off for that device.');
    });
  }

  return (
    <section class="card form" aria-labelledby="section-push">
      <h2 id="section-push">Notifications</h2>
      {failed ? <Notice error={failed} inline /> : null}
      {key === null || (key !== undefined && !supported()) ? <p class="muted">Push notifications aren't available here.</p> : null}
      {key && supported() && !devices.some((d) => d.current) ? (
        <button type="button" disabled={busy} onClick={() => void turnOn(key)}>
          Turn on notifications
        </button>
      ) : null}
      {devices.length > 0 ? (
        <ul class="push-devices" aria-label="Devices with notifications">
          {devices.map((d) => (
            <li key={d.id}>
              <span class="names">
                <span>
                  {d.device ?? (d.kind === 'web' ? 'A browser' : 'A phone')}
                  {d.current ? <strong> · This device</strong> : null}
                </span>
              </span>
              <button type="button" disabled={busy} aria-label={`Turn off notifications for ${d.current ? 'this device' : (d.device ?? 'that device')}`} onClick={() => void remove(d)}>
                Turn off
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <p class="notice" role="alert">
          {error}
        </p>
      ) : null}
      {message ? <p role="status">{message}</p> : null}
    </section>
  );
}
