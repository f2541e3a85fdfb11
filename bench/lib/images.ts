// Hostile pictures for the uploads scenario, made in the bench process (no files checked in).
import sharp from 'sharp';
import { pngZeros } from '../../test/helpers/images.js';

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
