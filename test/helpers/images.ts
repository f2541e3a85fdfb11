// Real image bytes made in the test, for the media pipeline: photos with camera metadata, a
// decompression bomb, truncated files, SVG, and a check that stored output is clean WebP.
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Bangalore, as a phone would write it: 12°58'16" N, 77°35'40" E. */
export const GPS = { lat: [12, 58, 16], lon: [77, 35, 40] } as const;

/**
 * A little-endian TIFF/EXIF block with IFD0 Orientation and a GPS IFD (latitude/longitude).
 * Built by hand so the test does not depend on any library's idea of EXIF writing.
 */
export function exifBlock(orientation: number): Buffer {
  const b = Buffer.alloc(140);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: (o: number) => void) => {
    b.writeUInt16LE(tag, at);
    b.writeUInt16LE(type, at + 2);
    b.writeUInt32LE(count, at + 4);
    value(at + 8);
  };
  // IFD0 at 8: 2 entries, next-IFD 0 → GPS IFD at 38.
  b.writeUInt16LE(2, 8);
  entry(10, 0x0112, 3, 1, (o) => b.writeUInt16LE(orientation, o));
  entry(22, 0x8825, 4, 1, (o) => b.writeUInt32LE(38, o));
  b.writeUInt32LE(0, 34);
  // GPS IFD at 38: 4 entries, next-IFD 0 → rationals at 92 and 116.
  b.writeUInt16LE(4, 38);
  entry(40, 0x0001, 2, 2, (o) => b.write('N\0', o, 'latin1'));
  entry(52, 0x0002, 5, 3, (o) => b.writeUInt32LE(92, o));
  entry(64, 0x0003, 2, 2, (o) => b.write('E\0', o, 'latin1'));
  entry(76, 0x0004, 5, 3, (o) => b.writeUInt32LE(116, o));
  b.writeUInt32LE(0, 88);
  GPS.lat.forEach((v, i) => { b.writeUInt32LE(v, 92 + i * 8); b.writeUInt32LE(1, 96 + i * 8); });
  GPS.lon.forEach((v, i) => { b.writeUInt32LE(v, 116 + i * 8); b.writeUInt32LE(1, 120 + i * 8); });
  return b;
}

/** A JPEG (width × height as stored) carrying EXIF orientation and GPS in an APP1 segment. */
export async function jpegWithGps(width = 600, height = 400, orientation = 6): Promise<Buffer> {
  // Left half red, right half blue, so rotation is visible in the pixels too.
  const half = Math.floor(width / 2);
  const jpeg = await sharp({ create: { width, height, channels: 3, background: '#ff0000' } })
    .composite([{ input: { create: { width: width - half, height, channels: 3, background: '#0000ff' } }, left: half, top: 0 }])
    .jpeg({ quality: 90 })
    .toBuffer();
  const tiff = exifBlock(orientation);
  const app1 = Buffer.alloc(4 + 6 + tiff.length);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + 6 + tiff.length, 2);
  app1.write('Exif\0\0', 4, 'latin1');
  tiff.copy(app1, 10);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

export async function pngImage(width = 800, height = 600, colour = '#5f6fff'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

export async function webpImage(width = 300, height = 300, colour = '#22aa55'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).webp().toBuffer();
}

export async function gifImage(): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 40, channels: 3, background: '#123456' } }).gif().toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid PNG bomb: 1-bit greyscale, side × side pixels of zeros. 16000² = 256 megapixels (about
 * 768 MB once decoded to RGB) in a file of a few tens of KB.
 */
export function pngBomb(side = 16000): Buffer {
  return pngZeros(side, side);
}

/** The same for any canvas: 1 × 49,000,000 is about 95 KB. */
export function pngZeros(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // filter byte 0 + packed row, all zero
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const SVG_WITH_SCRIPT = Buffer.from(
  `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(document.cookie)</script><rect width="64" height="64" fill="red"/></svg>`,
);

/** The first half of a file: a broken upload. */
export const truncated = (buf: Buffer): Buffer => buf.subarray(0, Math.floor(buf.length / 2));

/** What a stored file must be: WebP, with no EXIF/XMP/ICC blocks and no trace of the GPS bytes. */
export async function assertCleanWebp(buf: Buffer): Promise<{ width: number; height: number }> {
  if (!(buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP')) throw new Error('not a WebP file');
  const meta = await sharp(buf).metadata();
  if (meta.format !== 'webp') throw new Error(`decoded as ${meta.format}`);
  if (meta.exif || meta.xmp || meta.icc || meta.iptc) throw new Error('metadata survived re-encoding');
  if (meta.orientation && meta.orientation !== 1) throw new Error(`orientation ${meta.orientation} left for the client`);
  for (const chunk of ['EXIF', 'XMP ', 'ICCP', 'Exif']) {
    if (buf.includes(Buffer.from(chunk, 'latin1'))) throw new Error(`${chunk} block in the stored file`);
  }
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}
