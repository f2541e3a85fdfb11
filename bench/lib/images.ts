// Hostile pictures for the uploads scenario, made in the bench process (no files checked in).
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid 1-bit greyscale PNG of zeros: 1 × 49,000,000 pixels deflate to about 95 KB. */
export function pngZeros(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1;
  ihdr[9] = 0;
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * What an attacker sends once the limits are known: refused bombs (the report's 1 × 49 M PNG and a
 * 7000 × 7000 one) and the most expensive picture still accepted, an RGBA PNG of exactly the side
 * and pixel limits (5000 × 5000 = 25 MP, a few hundred KB), which must really be decoded.
 */
export async function hostileImages(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const largest = await sharp({ create: { width: 5000, height: 5000, channels: 4, background: { r: 90, g: 110, b: 255, alpha: 0.7 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return [
    { name: '1x49000000.png', bytes: pngZeros(1, 49_000_000) },
    { name: '7000x7000.png', bytes: pngZeros(7000, 7000) },
    { name: '5000x5000-rgba.png', bytes: largest },
  ];
}
