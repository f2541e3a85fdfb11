// Media: profile pictures through the real routes with local storage — what is accepted, what is
// refused (by content, size, pixel count, integrity), what is stored and served, and clean-up.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { patients } from '../../../src/db/schema.js';
import { DEFAULT_IMAGE_LIMITS, IMAGE_SIZES, processImage, sniffImageType, type ImageVariant } from '../../../src/modules/media/pipeline.js';
import { MediaService } from '../../../src/modules/media/service.js';
import type { ImageStore } from '../../../src/modules/media/storage.js';
import { adminToken, bearer, createDoctor, doctorFields, form, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { assertCleanWebp, GPS, gifImage, jpegWithGps, pngBomb, pngImage, pngZeros, SVG_WITH_SCRIPT, truncated, webpImage } from '../../helpers/images.js';
import { safeErrorMessage } from '../../../src/lib/logger.js';

const UPLOAD_URL = /^http:\/\/localhost:4000\/uploads\/([a-f0-9]{32})-512\.webp$/;
const TOO_LARGE = 'File too large: the limit is 5 MB';
const BAD_TYPE = 'Invalid file type: upload a JPEG, PNG or WebP image';
const CORRUPT = 'The image could not be read: it is corrupt, truncated or not a supported image';
const TOO_LARGE_SIDE = (w: number, h: number) => `The image is too large: ${w} × ${h} pixels, the limit is 6000 pixels on each side`;

describe('media: profile pictures (local storage)', () => {
  let t: TestApp;
  let uploadsDir: string;
  before(async () => {
    t = await makeTestApp();
    uploadsDir = path.join(t.dataDir, 'uploads');
  });
  after(async () => t.close());

  const uploadAsPatient = (token: string, bytes: Buffer, name = 'photo.png', type = 'image/png', fields: Record<string, string> = {}) =>
    post(t.app, '/api/user/update-profile', form(fields, { bytes, name, type }), bearer(token));

  const profileOf = async (token: string) => json(await get(t.app, '/api/user/get-profile', bearer(token))).userData;

  const storedFiles = () => (existsSync(uploadsDir) ? readdirSync(uploadsDir).sort() : []);

  /** Fetches a URL the API handed out, through the app, and checks how it is served. */
  async function served(url: string): Promise<Buffer> {
    const res = await t.app.inject({ method: 'GET', url: new URL(url).pathname });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/webp');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
    return res.rawPayload;
  }

  describe('accepted images', () => {
    it('a PNG is re-encoded to WebP in three sizes; the record keeps the 512 px one', async () => {
      const p = await registerPatient(t.app);
      const res = await uploadAsPatient(p.token, await pngImage(800, 600));
      assert.equal(res.statusCode, 200, res.body);
      const url: string = json(res).userData.image;
      const base = UPLOAD_URL.exec(url)?.[1];
      assert.ok(base, url);
      assert.equal((await profileOf(p.token)).image, url);

      const expected: Record<number, [number, number]> = { 96: [96, 72], 256: [256, 192], 512: [512, 384] };
      for (const size of IMAGE_SIZES) {
        const file: Buffer = readFileSync(path.join(uploadsDir, `${base}-${size}.webp`));
        assert.deepEqual(Object.values(await assertCleanWebp(file)), expected[size]);
      }
      const bytes = await served(url);
      assert.deepEqual(await assertCleanWebp(bytes), { width: 512, height: 384 });
      // every size is served under its related name
      assert.deepEqual(await assertCleanWebp(await served(url.replace('-512.webp', '-96.webp'))), { width: 96, height: 72 });
    });

    it('a JPEG with EXIF GPS is auto-rotated and served without any metadata', async () => {
      const jpeg = await jpegWithGps(600, 400, 6);
      // the input really carries the location and the rotation
      const inMeta = await sharp(jpeg).metadata();
      assert.equal(inMeta.orientation, 6);
      const gpsBytes = Buffer.alloc(8);
      gpsBytes.writeUInt32LE(GPS.lat[0], 0);
      gpsBytes.writeUInt32LE(1, 4);
      assert.ok(jpeg.includes(Buffer.from('Exif\0\0', 'latin1')) && jpeg.includes(gpsBytes));

      const p = await registerPatient(t.app);
      const res = await uploadAsPatient(p.token, jpeg, 'IMG_0001.JPG', 'image/jpeg');
      assert.equal(res.statusCode, 200, res.body);
      const bytes = await served(json(res).userData.image);
      // 600×400 with orientation 6 is a 400×600 portrait: fitted into 512 → 341×512
      assert.deepEqual(await assertCleanWebp(bytes), { width: 341, height: 512 });
      assert.ok(!bytes.includes(Buffer.from('GPS', 'latin1')));
      // rotated 90° clockwise: the red left half is now on top, the blue right half at the bottom
      const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
      const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
      const [top, bottom] = [px(170, 60), px(170, 450)];
      assert.ok(top[0]! > 200 && top[2]! < 60, `top pixel ${top}`);
      assert.ok(bottom[2]! > 200 && bottom[0]! < 60, `bottom pixel ${bottom}`);
    });

    it('a WebP is accepted and re-encoded (small images are never enlarged)', async () => {
      const p = await registerPatient(t.app);
      const res = await uploadAsPatient(p.token, await webpImage(300, 300), 'me.webp', 'image/webp');
      assert.equal(res.statusCode, 200, res.body);
      const url: string = json(res).userData.image;
      assert.match(url, UPLOAD_URL);
      assert.deepEqual(await assertCleanWebp(await served(url)), { width: 300, height: 300 });
      assert.deepEqual(await assertCleanWebp(await served(url.replace('-512.webp', '-256.webp'))), { width: 256, height: 256 });
    });

    it('the bytes decide, not the name or declared type; the client file name never reaches the disk', async () => {
      const before = storedFiles();
      const p = await registerPatient(t.app);
      const res = await uploadAsPatient(p.token, await pngImage(64, 64), '../../../etc/cron.d/evil.sh', 'text/plain');
      assert.equal(res.statusCode, 200, res.body);
      const base = UPLOAD_URL.exec(json(res).userData.image)?.[1];
      const added = storedFiles().filter((f) => !before.includes(f));
      assert.deepEqual(added, IMAGE_SIZES.map((s) => `${base}-${s}.webp`).sort());
      for (const f of storedFiles()) assert.match(f, /^[a-f0-9]{32}-(96|256|512)\.webp$/);
      assert.ok(!existsSync(path.join(t.dataDir, 'etc')) && !existsSync(path.join(uploadsDir, 'evil.sh')));
    });
  });

  describe('refused uploads leave the profile unchanged', () => {
    let p: { token: string };
    let original: { name: string; image: string };
    before(async () => {
      p = await registerPatient(t.app, { name: 'Unchanged' });
      const ok = await uploadAsPatient(p.token, await pngImage(120, 120));
      assert.equal(ok.statusCode, 200, ok.body);
      original = await profileOf(p.token);
    });

    const cases: Array<[string, () => Promise<Buffer>, string, string, number, string]> = [
      ['a text file with an image name and type', async () => Buffer.from('just some text, not a picture\n'.repeat(20)), 'photo.jpg', 'image/jpeg', 415, BAD_TYPE],
      ['an SVG with a script', async () => SVG_WITH_SCRIPT, 'avatar.svg', 'image/svg+xml', 415, BAD_TYPE],
      ['an SVG disguised as a PNG', async () => SVG_WITH_SCRIPT, 'avatar.png', 'image/png', 415, BAD_TYPE],
      ['an HTML page disguised as a WebP', async () => Buffer.from('<html><script>alert(1)</script></html>'), 'x.webp', 'image/webp', 415, BAD_TYPE],
      ['a GIF (real image, unsupported type)', gifImage, 'anim.gif', 'image/gif', 415, BAD_TYPE],
      ['a truncated PNG', async () => truncated(await pngImage(400, 300)), 'photo.png', 'image/png', 415, CORRUPT],
      ['a truncated JPEG', async () => truncated(await jpegWithGps()), 'photo.jpg', 'image/jpeg', 415, CORRUPT],
      ['PNG magic bytes followed by garbage', async () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]), 'photo.png', 'image/png', 415, CORRUPT],
      ['a decompression bomb (16000×16000 px in ~30 KB)', async () => pngBomb(16000), 'bomb.png', 'image/png', 413, TOO_LARGE_SIDE(16000, 16000)],
      ['a 6 MB file', async () => Buffer.concat([await pngImage(64, 64), Buffer.alloc(6 * 1024 * 1024, 1)]), 'big.png', 'image/png', 413, TOO_LARGE],
    ];
    for (const [what, bytes, name, type, status, message] of cases) {
      it(`refuses ${what} with ${status}`, async () => {
        const filesBefore = storedFiles();
        const res = await uploadAsPatient(p.token, await bytes(), name, type, { name: 'Changed' });
        assert.equal(res.statusCode, status, res.body);
        assert.deepEqual(json(res), { success: false, message });
        const now = await profileOf(p.token);
        assert.equal(now.name, original.name);
        assert.equal(now.image, original.image);
        assert.deepEqual(storedFiles(), filesBefore);
      });
    }

    it('refuses a second file and files in other fields', async () => {
      const png = new Blob([new Uint8Array(await pngImage(20, 20))], { type: 'image/png' });
      const two = new FormData();
      two.append('name', 'Changed');
      two.append('image', png, 'a.png');
      two.append('image', png, 'b.png');
      const res1 = await post(t.app, '/api/user/update-profile', two, bearer(p.token));
      assert.equal(res1.statusCode, 413, res1.body);
      assert.deepEqual(json(res1), { success: false, message: 'Too many files: send one picture in field "image"' });
      const other = new FormData();
      other.append('avatar', png, 'a.png');
      const res2 = await post(t.app, '/api/user/update-profile', other, bearer(p.token));
      assert.equal(res2.statusCode, 400, res2.body);
      assert.deepEqual(json(res2), { success: false, message: 'Unexpected file field "avatar": send one picture in field "image"' });
      assert.deepEqual(await profileOf(p.token), original);
    });

    it('a storage failure answers 502 and changes nothing', async () => {
      // Make DATA_DIR/uploads unusable: a plain file where the directory should be.
      const aside = `${uploadsDir}.aside`;
      renameSync(uploadsDir, aside);
      writeFileSync(uploadsDir, 'not a directory');
      try {
        const res = await uploadAsPatient(p.token, await pngImage(100, 100), 'new.png', 'image/png', { name: 'Changed' });
        assert.equal(res.statusCode, 502, res.body);
        assert.deepEqual(json(res), { success: false, message: 'The image could not be stored, please try again' });
      } finally {
        rmSync(uploadsDir);
        renameSync(aside, uploadsDir);
      }
      const now = await profileOf(p.token);
      assert.equal(now.name, original.name);
      assert.equal(now.image, original.image);
      await served(original.image);
    });
  });

  describe('replacing and defaults', () => {
    it('replacing a picture deletes every size of the old one', async () => {
      const p = await registerPatient(t.app);
      const first: string = json(await uploadAsPatient(p.token, await pngImage(300, 300, '#ff0000'))).userData.image;
      const oldBase = UPLOAD_URL.exec(first)?.[1];
      assert.ok(IMAGE_SIZES.every((s) => existsSync(path.join(uploadsDir, `${oldBase}-${s}.webp`))));
      const res = await uploadAsPatient(p.token, await pngImage(300, 300, '#00ff00'));
      assert.equal(res.statusCode, 200, res.body);
      const second: string = json(res).userData.image;
      assert.notEqual(second, first);
      assert.ok(IMAGE_SIZES.every((s) => !existsSync(path.join(uploadsDir, `${oldBase}-${s}.webp`))));
      const gone = await t.app.inject({ method: 'GET', url: new URL(first).pathname });
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(json(gone), { success: false, message: 'File not found' });
      await served(second);
    });

    /** Holds every storeImage call until `n` have started, so concurrent uploads overlap for sure. */
    function overlapStores(n: number): () => void {
      const media = t.app.ctx.media;
      const original = media.storeImage.bind(media);
      const waiting: (() => void)[] = [];
      media.storeImage = async (upload) => {
        const url = await original(upload);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === n) waiting.forEach((go) => go());
        });
        return url;
      };
      return () => {
        media.storeImage = original;
      };
    }
    const basesOnDisk = () => new Set(storedFiles().map((f) => f.slice(0, 32)));

    it('two concurrent replacements leave only the winning picture on disk', async () => {
      const p = await registerPatient(t.app);
      const first: string = json(await uploadAsPatient(p.token, await pngImage(120, 120, '#123456'))).userData.image;
      const restore = overlapStores(2);
      let results;
      try {
        results = await Promise.all([uploadAsPatient(p.token, await pngImage(120, 120, '#aa0000')), uploadAsPatient(p.token, await pngImage(120, 120, '#00aa00'))]);
      } finally {
        restore();
      }
      for (const r of results) assert.equal(r.statusCode, 200, r.body);
      const bases = [first, ...results.map((r) => json(r).userData.image as string)].map((u) => UPLOAD_URL.exec(u)![1]);
      const final = UPLOAD_URL.exec((await profileOf(p.token)).image)![1];
      assert.ok(bases.slice(1).includes(final));
      const onDisk = basesOnDisk();
      assert.deepEqual(bases.filter((b) => onDisk.has(b)), [final], 'the replaced pictures are all deleted');
      assert.ok(IMAGE_SIZES.every((size) => existsSync(path.join(uploadsDir, `${final}-${size}.webp`))));
    });

    it('a picture stored for an account removed meanwhile is deleted again (404)', async () => {
      const p = await registerPatient(t.app);
      const media = t.app.ctx.media;
      const original = media.storeImage.bind(media);
      let stored = '';
      media.storeImage = async (upload) => {
        stored = await original(upload);
        await t.testDb.database.query('DELETE FROM patients WHERE id = $1', [p.id]);
        return stored;
      };
      try {
        const res = await uploadAsPatient(p.token, await pngImage(64, 64));
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(json(res).message, 'User not found');
      } finally {
        media.storeImage = original;
      }
      const base = /\/uploads\/([a-f0-9]{32})-512\.webp$/.exec(stored)?.[1];
      assert.ok(base, stored);
      assert.equal(basesOnDisk().has(base), false);
    });

    it('two concurrent doctor picture replacements leave only the winning picture on disk', async () => {
      const d = await createDoctor(t.app);
      const first = json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.image as string;
      const restore = overlapStores(2);
      let results;
      try {
        results = await Promise.all(
          ['#0000aa', '#aaaa00'].map(async (c) => post(t.app, '/api/doctor/update-profile', form({}, { bytes: await pngImage(100, 100, c), name: 'd.png', type: 'image/png' }), bearer(d.token))),
        );
      } finally {
        restore();
      }
      for (const r of results) assert.equal(r.statusCode, 200, r.body);
      const final = UPLOAD_URL.exec(json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.image)![1];
      const bases = [first, ...results.map((r) => json(r).profileData.image as string)].map((u) => UPLOAD_URL.exec(u)![1]);
      const onDisk = basesOnDisk();
      assert.deepEqual(bases.filter((b) => onDisk.has(b)), [final]);
    });

    it('a profile update without a file keeps the picture', async () => {
      const p = await registerPatient(t.app);
      const url: string = json(await uploadAsPatient(p.token, await pngImage(50, 50))).userData.image;
      const res = await post(t.app, '/api/user/update-profile', form({ name: 'Only Name' }), bearer(p.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await profileOf(p.token)).image, url);
      await served(url);
    });

    it('new patients get the default avatar served by the app, not a blob in the record', async () => {
      const p = await registerPatient(t.app);
      const image: string = (await profileOf(p.token)).image;
      assert.equal(image, 'http://localhost:4000/assets/default-avatar.svg');
      const [row] = await t.app.ctx.db.select({ image: patients.image }).from(patients).where(eq(patients.id, p.id));
      assert.equal(row?.image, null);
      const res = await t.app.inject({ method: 'GET', url: '/assets/default-avatar.svg' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'image/svg+xml');
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'.*sandbox/);
      assert.ok(!/<script/i.test(res.body));
    });

    it('serves only names the store writes: no paths, no other files', async () => {
      mkdirSync(uploadsDir, { recursive: true });
      writeFileSync(path.join(uploadsDir, 'notes.txt'), 'private');
      for (const url of ['/uploads/notes.txt', '/uploads/..%2F..%2Fetc%2Fpasswd', '/uploads/..%2Fuploads%2Fnotes.txt', `/uploads/${'a'.repeat(32)}-512.png`, `/uploads/${'a'.repeat(32)}-512.webp`]) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 404, url);
        assert.ok(!res.body.includes('private'));
      }
      rmSync(path.join(uploadsDir, 'notes.txt'));
    });
  });

  describe('doctors', () => {
    it('add-doctor refuses a missing or non-image picture and creates nothing', async () => {
      const atoken = await adminToken(t.app);
      const noImage = doctorFields();
      const res1 = await post(t.app, '/api/admin/add-doctor', form(noImage), bearer(atoken));
      assert.equal(res1.statusCode, 400);
      assert.deepEqual(json(res1), { success: false, message: 'Missing Details: a profile image is required' });

      const svg = doctorFields();
      const res2 = await post(t.app, '/api/admin/add-doctor', form(svg, { bytes: SVG_WITH_SCRIPT, name: 'doc.png', type: 'image/png' }), bearer(atoken));
      assert.equal(res2.statusCode, 415);
      assert.deepEqual(json(res2), { success: false, message: BAD_TYPE });
      for (const f of [noImage, svg]) {
        const login = await post(t.app, '/api/doctor/login', { email: f.email, password: f.password });
        assert.equal(login.statusCode, 401, 'the doctor must not exist');
      }
    });

    it('add-doctor stores a processed picture; the doctor replaces it and the old files go', async () => {
      const d = await createDoctor(t.app);
      const before = json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.image as string;
      const oldBase = UPLOAD_URL.exec(before)?.[1];
      assert.ok(oldBase, before);
      const res = await post(t.app, '/api/doctor/update-profile', form({ about: 'New about' }, { bytes: await jpegWithGps(), name: 'me.jpg', type: 'image/jpeg' }), bearer(d.token));
      assert.equal(res.statusCode, 200, res.body);
      const after = json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.image as string;
      assert.match(after, UPLOAD_URL);
      assert.notEqual(after, before);
      await assertCleanWebp(await served(after));
      assert.ok(IMAGE_SIZES.every((s) => !existsSync(path.join(uploadsDir, `${oldBase}-${s}.webp`))));
    });
  });

  it('answers 413 while a large upload is still arriving (the file is not buffered whole)', { timeout: 30_000 }, async () => {
    const p = await registerPatient(t.app);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const boundary = 'media-test-boundary';
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/user/update-profile',
      // chunked, no content-length: the server cannot know the size up front
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${p.token}` },
    });
    // The server closes the connection after its answer, so the client's further writes may fail
    // (EPIPE/ECONNRESET): only an error before any answer is a failure.
    let started = false;
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        started = true;
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (err) => {
        if (!started) reject(err);
      });
    });
    let answered = false;
    void response.then(() => (answered = true), () => (answered = true));
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`);
    req.write(await pngImage(32, 32));
    // Keep sending up to 64 MB without ever finishing the request; the answer must come first.
    const chunk = Buffer.alloc(256 * 1024, 1);
    let sent = 0;
    while (!answered && sent < 64 * 1024 * 1024) {
      sent += chunk.length;
      if (!req.write(chunk)) await Promise.race([new Promise((r) => req.once('drain', r)), response.catch(() => undefined)]);
    }
    const res = await response;
    req.destroy();
    await t.app.close(); // nothing may hold the connection open
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body), { success: false, message: TOO_LARGE });
    assert.ok(sent < 64 * 1024 * 1024, 'the server answered before the client finished');
  });
});

describe('media: pipeline rules', () => {
  it('sniffs types by magic bytes only', async () => {
    assert.equal(sniffImageType(await pngImage(8, 8)), 'png');
    assert.equal(sniffImageType(await jpegWithGps(16, 16)), 'jpeg');
    assert.equal(sniffImageType(await webpImage(8, 8)), 'webp');
    assert.equal(sniffImageType(SVG_WITH_SCRIPT), null);
    assert.equal(sniffImageType(await gifImage()), null);
    assert.equal(sniffImageType(Buffer.from('RIFF....WAVE')), null);
    assert.equal(sniffImageType(Buffer.alloc(0)), null);
  });

  it('allows up to the pixel limit and refuses one row more', async () => {
    assert.deepEqual(DEFAULT_IMAGE_LIMITS, { maxSide: 6000, maxPixels: 25_000_000, timeoutSeconds: 10 });
    // Same rule with a small limit (decoding 25 real megapixels would only make the test slow).
    const small = { maxSide: 2000, maxPixels: 500_000, timeoutSeconds: 10 };
    const atLimit = await processImage(await pngImage(500, 1000), small);
    assert.deepEqual(atLimit.map((v) => [v.size, v.width, v.height]), [[96, 48, 96], [256, 128, 256], [512, 256, 512]]);
    await assert.rejects(processImage(await pngImage(500, 1001), small), {
      statusCode: 413,
      message: 'The image has too many pixels: 500 × 1001, the limit is 0.5 megapixels',
    });
    // the real limits, from the header alone
    await assert.rejects(processImage(pngZeros(5000, 5001)), { statusCode: 413, message: 'The image has too many pixels: 5000 × 5001, the limit is 25 megapixels' });
    await assert.rejects(processImage(pngBomb(7000)), { statusCode: 413, message: TOO_LARGE_SIDE(7000, 7000) });
  });

  it('the service enforces the size limit for direct callers and reports clean-up failures without throwing', async () => {
    const saved: ImageVariant[][] = [];
    const store: ImageStore = {
      save: async (variants) => (saved.push(variants), { url: '/uploads/fake' }),
      remove: async () => {
        throw new Error('disk on fire');
      },
      owns: (url) => url.startsWith('/uploads/'),
    };
    const warnings: string[] = [];
    const media = new MediaService(store, { publicUrl: 'https://api.example.com', maxBytes: 2048, warn: (m, err) => warnings.push(`${m}: ${safeErrorMessage(err)}`) });
    const big = Buffer.concat([await pngImage(8, 8), Buffer.alloc(4096)]);
    await assert.rejects(media.storeImage({ buffer: big, filename: 'x.png', mimetype: 'image/png' }), { statusCode: 413, message: 'File too large: the limit is 2 KB' });
    assert.equal(saved.length, 0);
    assert.equal(await media.storeImage({ buffer: await pngImage(8, 8), filename: 'x.png', mimetype: 'image/png' }), '/uploads/fake');
    assert.deepEqual(saved[0]!.map((v) => v.size), [...IMAGE_SIZES]);
    await media.removeImage('/uploads/whatever');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /disk on fire/);
    await media.removeImage('https://elsewhere.example/x.webp'); // no store owns it: ignored
    assert.equal(warnings.length, 1);
    assert.equal(media.resolve(null), 'https://api.example.com/assets/default-avatar.svg');
    assert.equal(media.resolve('/uploads/a.webp'), 'https://api.example.com/uploads/a.webp');
    assert.equal(media.resolve('https://res.cloudinary.com/x.webp'), 'https://res.cloudinary.com/x.webp');
  });
});
