// Canvas size from the first bytes of a JPEG, PNG or WebP, read in JavaScript without any decoder:
// the size limits are applied before an image reaches sharp (and the thread pool it shares with
// password hashing), so a 95 KB file that declares 49 million pixels costs microseconds, not a minute.
/** The image formats accepted, as told by their first bytes. */
export type ImageKind = 'jpeg' | 'png' | 'webp';

export interface CanvasSize {
  width: number;
  height: number;
}

/** PNG: the IHDR chunk must come first, right after the 8-byte signature. */
function png(buf: Buffer): CanvasSize | null {
  if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** WebP: the first chunk after `RIFF....WEBP` is VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function webp(buf: Buffer): CanvasSize | null {
  if (buf.length < 30) return null;
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    // frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height (2 bits of scale above)
    if (buf[23] !== 0x9d || buf[24] !== 0x01 || buf[25] !== 0x2a) return null;
    return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (buf[20] !== 0x2f) return null;
    const bits = buf.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
  return null;
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames. */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** JPEG: walks the marker segments up to the first start-of-frame, which holds height then width. */
function jpeg(buf: Buffer): CanvasSize | null {
  let at = 2;
  while (at + 4 <= buf.length) {
    if (buf[at] !== 0xff) return null;
    const marker = buf[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = buf.readUInt16BE(at + 2);
    if (length < 2) return null;
    if (isSof(marker)) {
      if (at + 9 > buf.length) return null;
      return { height: buf.readUInt16BE(at + 5), width: buf.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

/** The canvas size the file declares, or null when its header cannot be read. */
export function declaredSize(buf: Buffer, kind: ImageKind): CanvasSize | null {
  const size = kind === 'png' ? png(buf) : kind === 'webp' ? webp(buf) : jpeg(buf);
  return size && size.width > 0 && size.height > 0 ? size : null;
}
