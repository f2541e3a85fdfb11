// A local stand-in for a browser's push service (Web Push, RFC 8030), for tests. Each subscriber
// gets its own endpoint and a P-256 key pair and auth secret made here with node:crypto, as a
// browser would. A push is accepted only when its `Authorization: vapid t=<jwt>, k=<key>` header
// holds (RFC 8292: an ES256 JWT signed with the key `k`, `aud` the endpoint's origin, `exp` within
// 24 hours, a `sub`) and its aes128gcm body decrypts with the subscriber's keys (RFC 8291 / 8188).
// It can be told to answer 404, 410 or 500 instead.
import { createECDH, createPublicKey, createDecipheriv, hkdfSync, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Subscriber {
  id: string;
  /** what a browser's PushSubscription.toJSON() gives */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface ReceivedPush {
  subscriberId: string;
  /** the decrypted payload (JSON.parse'd) */
  payload: Record<string, unknown>;
  /** the VAPID JWT's claims and the key that signed it */
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  headers: http.IncomingHttpHeaders;
}

interface Keys {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** HKDF-SHA-256 with the given salt, input key material, info and length (RFC 5869). */
const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, len: number) => Buffer.from(hkdfSync('sha256', ikm, salt, info, len));

/** RFC 8291 §3.4 and RFC 8188 §2: the plaintext of an aes128gcm body for the subscriber `keys`. */
export function decryptAes128gcm(body: Buffer, keys: Keys): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65) throw new Error(`keyid must be the sender's 65-byte public key (got ${idlen} bytes)`);
  const records = body.subarray(21 + idlen);
  if (records.length > rs) throw new Error('a push body is a single record');
  const uaPublic = keys.ecdh.getPublicKey();
  const ecdhSecret = keys.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = hkdf(keys.auth, ecdhSecret, keyInfo, 32);
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const padded = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  // the last record ends with the delimiter 0x02, then zero padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing the last-record padding delimiter');
  return padded.subarray(0, end);
}

/** Verifies the VAPID header (RFC 8292); returns its claims and key, or throws why not. */
export function verifyVapid(header: string | undefined, origin: string, now = Date.now()): { claims: ReceivedPush['claims']; key: string } {
  const m = /^vapid t=([A-Za-z0-9_.-]+), ?k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`Authorization is not "vapid t=…, k=…": ${header}`);
  const [, jwt, k] = m;
  const [h, p, s] = jwt.split('.');
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; typ?: string };
  if (head.alg !== 'ES256') throw new Error(`JWT alg must be ES256 (got ${head.alg})`);
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k must be an uncompressed P-256 key');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('the JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as ReceivedPush['claims'];
  if (claims.aud !== origin) throw new Error(`aud must be ${origin} (got ${claims.aud})`);
  const nowS = Math.floor(now / 1000);
  if (!(claims.exp > nowS && claims.exp <= nowS + 24 * 3600)) throw new Error(`exp must be within 24 hours (got ${claims.exp}, now ${nowS})`);
  if (!claims.sub) throw new Error('sub is missing');
  return { claims, key: k };
}

export class PushServiceStandIn {
  readonly received: ReceivedPush[] = [];
  /** requests refused for a bad signature or body, with the reason */
  readonly rejected: string[] = [];
  private readonly keys = new Map<string, Keys>();
  /** answers to give instead of 201, per subscriber, in order */
  private readonly answers = new Map<string, number[]>();
  private server: http.Server | undefined;
  private origin = '';
  private seq = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** A new browser: its key pair, auth secret and endpoint. */
  subscriber(): Subscriber {
    const id = `sub${++this.seq}-${randomBytes(6).toString('hex')}`;
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.keys.set(id, { ecdh, auth });
    return { id, subscription: { endpoint: `${this.origin}/push/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } } };
  }

  /** The next pushes to this subscriber are answered with these statuses (then 201 again). */
  answer(subscriberId: string, ...statuses: number[]): void {
    this.answers.set(subscriberId, [...(this.answers.get(subscriberId) ?? []), ...statuses]);
  }

  /** Pushes decrypted for this subscriber so far. */
  of(subscriberId: string): ReceivedPush[] {
    return this.received.filter((r) => r.subscriberId === subscriberId);
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    const keys = id ? this.keys.get(id) : undefined;
    if (req.method !== 'POST' || !id || !keys) {
      res.writeHead(404).end();
      return;
    }
    const queued = this.answers.get(id);
    if (queued && queued.length > 0) {
      res.writeHead(queued.shift()!).end();
      return;
    }
    try {
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding must be aes128gcm (got ${req.headers['content-encoding']})`);
      if (!req.headers.ttl) throw new Error('TTL header missing');
      const { claims, key } = verifyVapid(req.headers.authorization, this.origin);
      const payload = JSON.parse(decryptAes128gcm(body, keys).toString('utf8')) as Record<string, unknown>;
      this.received.push({ subscriberId: id, payload, claims, vapidKey: key, headers: req.headers });
      res.writeHead(201, { location: `${this.origin}/message/${this.received.length}` }).end();
    } catch (err) {
      this.rejected.push((err as Error).message);
      res.writeHead(400).end();
    }
  }
}
