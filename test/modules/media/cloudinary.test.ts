// Media on Cloudinary: the official SDK talks to a local stand-in of the Cloudinary upload API that
// checks every signed request the way Cloudinary does and answers like it (secure_url, public_id).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { patients } from '../../../src/db/schema.js';
import { CloudinaryImageStore } from '../../../src/modules/media/cloudinary.js';
import { processImage } from '../../../src/modules/media/pipeline.js';
import { LocalImageStore } from '../../../src/modules/media/storage.js';
import { bearer, createDoctor, form, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { assertCleanWebp, jpegWithGps, pngImage, SVG_WITH_SCRIPT } from '../../helpers/images.js';

const CLOUD = 'prescripto-test';
const API_KEY = '123456789012345';
const API_SECRET = 'stand-in-secret-abcdefghijklmnop';

interface Received {
  action: 'upload' | 'destroy';
  params: Record<string, string>;
  file?: Buffer;
}

/** Cloudinary's signing rule: sorted `k=v` pairs joined by `&`, secret appended, SHA-1 hex. */
function expectedSignature(params: Record<string, string>, secret: string): string {
  const excluded = new Set(['file', 'api_key', 'signature', 'resource_type', 'cloud_name']);
  const toSign = Object.keys(params)
    .filter((k) => !excluded.has(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('sha1').update(toSign + secret).digest('hex');
}

class CloudinaryStandIn {
  readonly received: Received[] = [];
  /** which uploads (public id without folder) answer 500 */
  failUpload: (publicId: string) => boolean = () => false;
  private server = http.createServer((req, res) => void this.handle(req, res));
  base = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  uploads = () => this.received.filter((r) => r.action === 'upload');
  destroys = () => this.received.filter((r) => r.action === 'destroy').map((r) => r.params.public_id);

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const m = /^\/v1_1\/([^/]+)\/image\/(upload|destroy)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return send(404, { error: { message: 'Not found' } });
    if (m[1] !== CLOUD) return send(401, { error: { message: 'Invalid cloud_name' } });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const fd = await new Response(Buffer.concat(chunks), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
    const params: Record<string, string> = {};
    let file: Buffer | undefined;
    for (const [k, v] of fd.entries()) {
      if (typeof v === 'string') params[k] = v;
      else file = Buffer.from(await v.arrayBuffer());
    }
    const action = m[2] as 'upload' | 'destroy';
    if (params.api_key !== API_KEY) return send(401, { error: { message: 'Invalid api_key' } });
    if (params.signature !== expectedSignature(params, API_SECRET)) return send(401, { error: { message: 'Invalid Signature' } });
    if (Math.abs(Date.now() / 1000 - Number(params.timestamp)) > 3600) return send(400, { error: { message: 'Stale request' } });
    this.received.push({ action, params, file });
    if (action === 'destroy') return send(200, { result: 'ok' });
    if (!file) return send(400, { error: { message: 'Missing required parameter - file' } });
    if (this.failUpload(params.public_id ?? '')) return send(500, { error: { message: 'General Error' } });
    const publicId = `${params.folder}/${params.public_id}`;
    send(200, {
      public_id: publicId,
      version: 1732500000,
      format: 'webp',
      resource_type: 'image',
      bytes: file.length,
      secure_url: `https://res.cloudinary.com/${CLOUD}/image/upload/v1732500000/${publicId}.webp`,
      url: `http://res.cloudinary.com/${CLOUD}/image/upload/v1732500000/${publicId}.webp`,
    });
  }
}

const CDN_URL = new RegExp(`^https://res\\.cloudinary\\.com/${CLOUD}/image/upload/v\\d+/prescripto/([a-f0-9]{32})-512\\.webp$`);

describe('media: Cloudinary storage through the SDK', () => {
  const cloud = new CloudinaryStandIn();
  let t: TestApp;
  before(async () => {
    await cloud.start();
    t = await makeTestApp({
      CLOUDINARY_NAME: CLOUD,
      CLOUDINARY_API_KEY: API_KEY,
      CLOUDINARY_SECRET_KEY: API_SECRET,
      CLOUDINARY_API_BASE: cloud.base,
    });
  });
  after(async () => {
    await t.close();
    await cloud.stop();
  });
  beforeEach(() => {
    cloud.received.length = 0;
    cloud.failUpload = () => false;
  });

  const upload = (token: string, bytes: Buffer, fields: Record<string, string> = {}) =>
    post(t.app, '/api/user/update-profile', form(fields, { bytes, name: 'photo.jpg', type: 'image/jpeg' }), bearer(token));
  const profileOf = async (token: string) => json(await get(t.app, '/api/user/get-profile', bearer(token))).userData;

  it('uploads three signed WebP renditions into the prescripto folder and keeps the 512 px secure_url', async () => {
    const p = await registerPatient(t.app);
    const res = await upload(p.token, await jpegWithGps(600, 400, 6));
    assert.equal(res.statusCode, 200, res.body);
    const image: string = json(res).userData.image;
    const base = CDN_URL.exec(image)?.[1];
    assert.ok(base, image);
    assert.equal((await profileOf(p.token)).image, image);

    const ups = cloud.uploads();
    assert.deepEqual(ups.map((u) => u.params.public_id).sort(), [`${base}-256`, `${base}-512`, `${base}-96`]);
    const dims: Record<string, { width: number; height: number }> = { 96: { width: 64, height: 96 }, 256: { width: 171, height: 256 }, 512: { width: 341, height: 512 } };
    for (const u of ups) {
      assert.equal(u.params.folder, 'prescripto');
      assert.equal(u.params.api_key, API_KEY);
      assert.match(u.params.signature ?? '', /^[a-f0-9]{40}$/);
      // the bytes Cloudinary receives are already rotated, resized and stripped of EXIF/GPS
      const size = u.params.public_id!.split('-')[1]!;
      assert.deepEqual(await assertCleanWebp(u.file!), dims[size]);
    }
    // nothing is written to local disk in Cloudinary mode
    const uploadsDir = path.join(t.dataDir, 'uploads');
    assert.ok(!existsSync(uploadsDir) || readdirSync(uploadsDir).length === 0);
  });

  it('replacing a picture destroys every old rendition with signed requests', async () => {
    const p = await registerPatient(t.app);
    const first: string = json(await upload(p.token, await pngImage(300, 300, '#ff0000'))).userData.image;
    const oldBase = CDN_URL.exec(first)?.[1];
    cloud.received.length = 0;
    const res = await upload(p.token, await pngImage(300, 300, '#00ff00'));
    assert.equal(res.statusCode, 200, res.body);
    const second: string = json(res).userData.image;
    assert.match(second, CDN_URL);
    assert.notEqual(second, first);
    assert.deepEqual(cloud.destroys().sort(), [`prescripto/${oldBase}-256`, `prescripto/${oldBase}-512`, `prescripto/${oldBase}-96`]);
    for (const d of cloud.received.filter((r) => r.action === 'destroy')) assert.equal(d.params.invalidate, 'true');
  });

  it('a Cloudinary failure answers 502, leaves the profile unchanged and takes back partial uploads', async () => {
    const p = await registerPatient(t.app, { name: 'Before' });
    const original: string = json(await upload(p.token, await pngImage(200, 200))).userData.image;
    cloud.received.length = 0;
    // Only the 256 px rendition fails: the other two arrive and must be removed again.
    cloud.failUpload = (id) => id.endsWith('-256');
    const res = await upload(p.token, await pngImage(200, 200, '#000000'), { name: 'After' });
    assert.equal(res.statusCode, 502, res.body);
    assert.deepEqual(json(res), { success: false, message: 'The image could not be stored, please try again' });
    const now = await profileOf(p.token);
    assert.equal(now.image, original);
    assert.equal(now.name, 'Before');
    const uploaded = cloud.uploads().map((u) => `prescripto/${u.params.public_id}`);
    assert.equal(uploaded.length, 3);
    assert.deepEqual(cloud.destroys().sort(), uploaded.filter((id) => !id.endsWith('-256')).sort());
    // the original picture was not touched
    assert.ok(!cloud.destroys().some((id) => original.includes(id!)));
  });

  it('a refused file never reaches Cloudinary', async () => {
    const p = await registerPatient(t.app);
    const res = await post(t.app, '/api/user/update-profile', form({}, { bytes: SVG_WITH_SCRIPT, name: 'x.svg', type: 'image/svg+xml' }), bearer(p.token));
    assert.equal(res.statusCode, 415);
    assert.equal(cloud.received.length, 0);
  });

  it('admin add-doctor stores the picture on Cloudinary', async () => {
    const d = await createDoctor(t.app);
    const image = json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.image as string;
    assert.match(image, CDN_URL);
    assert.equal(cloud.uploads().length, 3);
  });

  it('a picture stored locally before Cloudinary was configured is deleted when replaced', async () => {
    const p = await registerPatient(t.app);
    const local = new LocalImageStore(path.join(t.dataDir, 'uploads'));
    const { url } = await local.save(await processImage(await pngImage(100, 100)));
    await t.app.ctx.db.update(patients).set({ image: url }).where(eq(patients.id, p.id));
    assert.equal((await profileOf(p.token)).image, `http://localhost:4000${url}`);
    assert.equal(readdirSync(path.join(t.dataDir, 'uploads')).length, 3);
    const res = await upload(p.token, await pngImage(100, 100, '#ffffff'));
    assert.equal(res.statusCode, 200, res.body);
    assert.match(json(res).userData.image, CDN_URL);
    assert.deepEqual(readdirSync(path.join(t.dataDir, 'uploads')), []);
    assert.deepEqual(cloud.destroys(), [], 'local pictures are not sent to Cloudinary for deletion');
  });

  it('the adapter refuses to report success when Cloudinary rejects the credentials', async () => {
    const wrong = new CloudinaryImageStore({ cloudName: CLOUD, apiKey: API_KEY, apiSecret: 'not-the-secret-at-all', apiBase: cloud.base });
    await assert.rejects(wrong.save(await processImage(await pngImage(50, 50))), /Invalid Signature/);
    assert.equal(cloud.received.length, 0);
    // URLs it did not hand out are left alone
    const store = new CloudinaryImageStore({ cloudName: CLOUD, apiKey: API_KEY, apiSecret: API_SECRET, apiBase: cloud.base });
    assert.equal(store.owns('/uploads/0123456789abcdef0123456789abcdef-512.webp'), false);
    assert.equal(store.owns('https://example.com/other/photo.webp'), false);
    await store.remove('https://example.com/other/photo.webp');
    assert.equal(cloud.received.length, 0);
  });

  it('owns only this account’s delivery URLs, not look-alike paths on other hosts or clouds', async () => {
    const store = new CloudinaryImageStore({ cloudName: CLOUD, apiKey: API_KEY, apiSecret: API_SECRET, apiBase: cloud.base });
    const hex = '0123456789abcdef0123456789abcdef';
    assert.equal(store.owns(`https://res.cloudinary.com/${CLOUD}/image/upload/v1732500000/prescripto/${hex}-512.webp`), true);
    for (const foreign of [
      `https://evil.example/prescripto/${hex}-512.webp`,
      `https://evil.example/${CLOUD}/image/upload/v1/prescripto/${hex}-512.webp`,
      `https://res.cloudinary.com.evil.example/${CLOUD}/image/upload/v1/prescripto/${hex}-512.webp`,
      `https://res.cloudinary.com/another-cloud/image/upload/v1/prescripto/${hex}-512.webp`,
      `https://res.cloudinary.com:8443/${CLOUD}/image/upload/v1/prescripto/${hex}-512.webp`,
      'not a url',
    ]) {
      assert.equal(store.owns(foreign), false, foreign);
      await store.remove(foreign);
    }
    assert.deepEqual(cloud.destroys(), [], 'nothing was destroyed for a URL this account did not hand out');
  });
});
