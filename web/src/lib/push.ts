// Web Push in the browser: the service worker (public/sw.js, registered at /sw.js) shows the
// notifications; turning them on asks the browser's permission, subscribes with the server's VAPID
// key (GET /api/push/public-key) and registers the subscription for the signed-in account; turning
// them off unsubscribes and tells the server.
import { api, unwrap } from '../api/client';

export type PushRole = 'patient' | 'doctor';

const PATH = { patient: '/api/user/push/subscriptions', doctor: '/api/doctor/push/subscriptions' } as const;

/** Can this browser receive pushes at all? (Service workers need a secure origin.) */
export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window && window.isSecureContext;
}

/** Registers the service worker (once per page load) and waits until it is active. */
export async function serviceWorker(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  return navigator.serviceWorker.ready;
}

/** This device's current subscription, if notifications are on. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  return (await serviceWorker()).pushManager.getSubscription();
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export class PushRefused extends Error {}

/** Turns notifications on for this device and account. */
export async function enablePush(role: PushRole): Promise<void> {
  const config = unwrap(await api.GET('/api/push/public-key'));
  if (!config.enabled || !config.publicKey) throw new PushRefused('off');
  if ((await Notification.requestPermission()) !== 'granted') throw new PushRefused('denied');
  const reg = await serviceWorker();
  const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(config.publicKey) }));
  await register(role, sub);
}

/** Registers the browser's subscription for the account; its id on the server. */
async function register(role: PushRole, sub: PushSubscription): Promise<string> {
  const json = sub.toJSON();
  if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth) throw new Error('The browser gave an incomplete push subscription');
  const body = { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
  return unwrap(role === 'patient' ? await api.POST(PATH.patient, { body }) : await api.POST(PATH.doctor, { body })).subscription._id;
}

/** Turns notifications off for this device. */
export async function disablePush(role: PushRole): Promise<void> {
  const sub = await currentSubscription();
  if (!sub) return;
  // registering again answers the id of this device's row (the same one), which the removal takes;
  // a server with push turned off has nothing to remove
  const id = await register(role, sub).catch(() => undefined);
  if (id) {
    const params = { params: { path: { subscriptionId: id } } };
    unwrap(role === 'patient' ? await api.DELETE(`${PATH.patient}/{subscriptionId}`, params) : await api.DELETE(`${PATH.doctor}/{subscriptionId}`, params));
  }
  await sub.unsubscribe();
}
