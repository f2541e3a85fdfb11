// Image uploads cannot freeze the server: canvas limits read from the header before any decoder
// runs (a 95 KB PNG of 1 × 49,000,000 pixels, a 7000 × 7000 one, a JPEG declaring 65535²), a
// bounded queue that refuses with 503 + Retry-After when full, and header parsing that agrees with
// the decoder for every accepted format. (How fast logins stay under image load: `npm run bench -- --only uploads`.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { declaredSize } from '../../../src/modules/media/header.js';
import { sniffImageType } from '../../../src/modules/media/pipeline.js';
import { WorkQueue } from '../../../src/modules/media/queue.js';
import { AppError } from '../../../src/lib/errors.js';
import { bearer, form, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { jpegWithGps, pngImage, pngZeros, webpImage } from '../../helpers/images.js';

/** Resolves `open()`ed later: holds a queue slot for as long as the test wants. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('media: limits before decoding, and the image queue', () => {
  let t: TestApp;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  before(async () => {
    // one picture at a time and none waiting: a second concurrent upload is refused
    t = await makeTestApp({ IMAGE_CONCURRENCY: '1', IMAGE_QUEUE_MAX: '0' });
    patient = await registerPatient(t.app);
  });
  after(async () => t.close());

  const upload = (bytes: Buffer, type = 'image/png') => post(t.app, '/api/user/update-profile', form({}, { bytes, type }), bearer(patient.token));
  const imageOf = async () => json(await get(t.app, '/api/user/get-profile', bearer(patient.token))).userData.image as string;

  /** Runs `fn` while the only processing slot is taken: anything that reached the queue would get 503. */
  async function withQueueBusy<T>(fn: () => Promise<T>): Promise<T> {
    const g = gate();
    const held = t.app.ctx.media.queue.run(() => g.wait);
    try {
      assert.deepEqual(t.app.ctx.media.queue.load, { active: 1, waiting: 0 });
      return await fn();
    } finally {
      g.open();
      await held;
    }
  }

  const hostile: Array<[string, () => Buffer | Promise<Buffer>, string, string]> = [
    ['a 95 KB PNG of 1 × 49,000,000 pixels', () => pngZeros(1, 49_000_000), 'image/png', 'The image is too large: 1 × 49000000 pixels, the limit is 6000 pixels on each side'],
    ['a PNG of 7000 × 7000 pixels', () => pngZeros(7000, 7000), 'image/png', 'The image is too large: 7000 × 7000 pixels, the limit is 6000 pixels on each side'],
    ['a PNG of 5000 × 5001 pixels (sides allowed, total not)', () => pngZeros(5000, 5001), 'image/png', 'The image has too many pixels: 5000 × 5001, the limit is 25 megapixels'],
    ['a JPEG whose frame header declares 65535 × 65535', async () => withFrameSize(await jpegWithGps(64, 48), 65535, 65535), 'image/jpeg', 'The image is too large: 65535 × 65535 pixels, the limit is 6000 pixels on each side'],
  ];
  for (const [name, make, type, message] of hostile) {
    it(`${name} is refused with 413 from its header, without waiting for the busy queue`, async () => {
      const bytes = await make();
      const before = await imageOf();
      const res = await withQueueBusy(() => upload(bytes, type));
      assert.equal(res.statusCode, 413, res.body);
      assert.deepEqual(json(res), { success: false, message });
      assert.equal(await imageOf(), before);
    });
  }

  it('the 1 × 49,000,000 PNG really is the small file of the report', () => {
    assert.ok(pngZeros(1, 49_000_000).length < 120 * 1024);
  });

  it('a full queue answers 503 with Retry-After, and the same upload succeeds once it frees', async () => {
    const bytes = await pngImage(300, 200);
    const busy = await withQueueBusy(() => upload(bytes));
    assert.equal(busy.statusCode, 503, busy.body);
    assert.equal(json(busy).message, 'The server is busy processing other pictures, please try again in a few seconds');
    assert.equal(busy.headers['retry-after'], '5');
    const ok = await upload(bytes);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.notEqual(await imageOf(), '');
    assert.deepEqual(t.app.ctx.media.queue.load, { active: 0, waiting: 0 });
  });

  it('logins are answered while the image queue is full', async () => {
    await withQueueBusy(async () => {
      const res = await post(t.app, '/api/user/login', { email: patient.email, password: patient.password });
      assert.equal(res.statusCode, 200, res.body);
    });
  });
});

describe('media: WorkQueue', () => {
  it('runs at most `concurrency` tasks, in order, with `maxWaiting` waiting, and refuses the rest', async () => {
    const q = new WorkQueue({ concurrency: 2, maxWaiting: 1, retryAfterSeconds: 3 });
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) => q.run(async () => (started.push(i), await g.wait, i)));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(q.load, { active: 2, waiting: 1 });
    await assert.rejects(q.run(async () => 9), (err: unknown) => err instanceof AppError && err.statusCode === 503 && err.headers['retry-after'] === '3');
    gates[1]!.open();
    assert.equal(await runs[1], 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    assert.deepEqual(q.load, { active: 2, waiting: 0 });
    gates[0]!.open();
    gates[2]!.open();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2]);
    assert.deepEqual(q.load, { active: 0, waiting: 0 });
    // a failing task frees its slot too
    await assert.rejects(q.run(async () => { throw new Error('boom'); }), /boom/);
    assert.deepEqual(q.load, { active: 0, waiting: 0 });
  });
});

describe('media: canvas size from the header', () => {
  const cases: Array<[string, () => Promise<Buffer>]> = [
    ['PNG', () => pngImage(321, 123)],
    ['JPEG with an EXIF block before the frame', () => jpegWithGps(333, 222)],
    ['progressive JPEG', () => sharp({ create: { width: 301, height: 199, channels: 3, background: '#808080' } }).jpeg({ progressive: true }).toBuffer()],
    ['lossy WebP', () => webpImage(257, 129)],
    ['lossless WebP', () => sharp({ create: { width: 130, height: 77, channels: 3, background: '#00ff00' } }).webp({ lossless: true }).toBuffer()],
    ['WebP with alpha (extended header)', () => sharp({ create: { width: 90, height: 45, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } }).webp().toBuffer()],
  ];
  for (const [name, make] of cases) {
    it(`${name}: the same size the decoder reports`, async () => {
      const buf = await make();
      const kind = sniffImageType(buf);
      assert.ok(kind);
      const meta = await sharp(buf).metadata();
      assert.deepEqual(declaredSize(buf, kind), { width: meta.width, height: meta.height });
    });
  }

  it('no size from a header that is cut short or not there', async () => {
    const png = await pngImage(10, 10);
    assert.equal(declaredSize(png.subarray(0, 20), 'png'), null);
    assert.equal(declaredSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'jpeg'), null);
    assert.equal(declaredSize(Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPVP8 '), Buffer.alloc(20)]), 'webp'), null);
    assert.equal(declaredSize(pngZeros(0, 5), 'png'), null);
  });
});

/** A JPEG whose first start-of-frame header is rewritten to declare width × height. */
function withFrameSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let at = 2;
  while (at < out.length) {
    const marker = out[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + out.readUInt16BE(at + 2);
  }
  throw new Error('no frame header');
}
