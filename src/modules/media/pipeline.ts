// The image pipeline: decide what an upload really is from its bytes, refuse anything that is not a
// plain JPEG, PNG or WebP (SVG and other scriptable or exotic formats never reach a decoder), and
// re-encode what is accepted into clean WebP renditions. Re-encoding drops every metadata block
// (EXIF, GPS, XMP, ICC, comments), so nothing a camera wrote about the patient leaves the server.
import type { Metadata } from 'sharp';
import { lazy } from '../../lib/lazy.js';
import { AppError } from '../../lib/errors.js';
import { declaredSize, type ImageKind } from './header.js';

export type { ImageKind };

/** The renditions stored for every picture, in pixels (longest side, never enlarged). */
export const IMAGE_SIZES = [96, 256, 512] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];
/** The rendition whose URL the record keeps and the API returns in `image`. */
export const DEFAULT_IMAGE_SIZE: ImageSize = 512;

/**
 * What one picture may cost. A few KB of PNG can declare billions of pixels, and decoding costs
 * time and memory in proportion to the canvas, so both sides and the total are checked from the
 * header (header.ts) before any decoder runs, and again by sharp's own `limitInputPixels`.
 */
export interface ImageLimits {
  /** IMAGE_MAX_SIDE: longest allowed width or height, in pixels */
  maxSide: number;
  /** IMAGE_MAX_PIXELS: largest allowed width × height */
  maxPixels: number;
  /** IMAGE_TIMEOUT_SECONDS: longest one decode-and-resize may run before it is abandoned (sharp `timeout`) */
  timeoutSeconds: number;
}

/**
 * 6000 px per side and 25 megapixels take every phone photo that fits under the 5 MB upload limit
 * (a 24 MP camera writes 6000 × 4000); a profile picture is shown at 512 px at most.
 */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxSide: 6000, maxPixels: 25_000_000, timeoutSeconds: 10 };

const WEBP_QUALITY = 82;

export interface ImageVariant {
  size: ImageSize;
  webp: Buffer;
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** JPEG, PNG or WebP by content (magic bytes), whatever the name or declared type says. */
export function sniffImageType(buf: Buffer): ImageKind | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

export const unsupportedType = () => new AppError(415, 'Invalid file type: upload a JPEG, PNG or WebP image');
const unreadable = () => new AppError(415, 'The image could not be read: it is corrupt, truncated or not a supported image');
const megapixels = (pixels: number) => `${Math.round(pixels / 10_000) / 100} megapixels`;
const tooLarge = (size: { width: number; height: number }, limits: ImageLimits): AppError =>
  size.width > limits.maxSide || size.height > limits.maxSide
    ? new AppError(413, `The image is too large: ${size.width} × ${size.height} pixels, the limit is ${limits.maxSide} pixels on each side`)
    : new AppError(413, `The image has too many pixels: ${size.width} × ${size.height}, the limit is ${megapixels(limits.maxPixels)}`);
const tooManyPixels = (limits: ImageLimits) => new AppError(413, `The image has too many pixels: the limit is ${megapixels(limits.maxPixels)}`);
const tooSlow = (limits: ImageLimits) =>
  new AppError(422, `The image could not be processed within ${limits.timeoutSeconds} seconds: upload a smaller or simpler picture`);

/**
 * sharp set up once for a server that also hashes passwords: libvips' operation cache off (memory
 * stays bounded by the image being processed) and one libvips worker thread per image, so a picture
 * takes one core at most; how many pictures run at once is the media queue's business (queue.ts).
 */
const loadSharp = lazy(async () => {
  const sharp = (await import('sharp')).default;
  sharp.cache(false);
  sharp.concurrency(1);
  return sharp;
});

/** The canvas size an upload declares, checked against the limits without decoding anything. */
export function checkDeclaredSize(buffer: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageKind {
  const kind = sniffImageType(buffer);
  if (!kind) throw unsupportedType();
  const size = declaredSize(buffer, kind);
  if (!size) throw unreadable();
  if (size.width > limits.maxSide || size.height > limits.maxSide || size.width * size.height > limits.maxPixels) throw tooLarge(size, limits);
  return kind;
}

/**
 * Validates an upload and renders it as WebP in every size of IMAGE_SIZES: auto-rotated from the
 * EXIF orientation, then stripped of all metadata. Throws AppError 413 for a canvas over the limits,
 * 415 for anything that is not a readable JPEG, PNG or WebP, 422 when it takes too long.
 */
export async function processImage(buffer: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<ImageVariant[]> {
  const kind = checkDeclaredSize(buffer, limits);
  const sharp = await loadSharp();
  // Every decode refuses truncated/corrupt data and oversized canvases outright.
  const decodeOptions = { limitInputPixels: limits.maxPixels, failOn: 'error' } as const;
  const fail = (err: unknown): AppError => (isPixelLimit(err) ? tooManyPixels(limits) : isTimeout(err) ? tooSlow(limits) : unreadable());

  // The header alone tells the format and the canvas size; nothing is decoded yet.
  let meta: Metadata;
  try {
    meta = await sharp(buffer, decodeOptions).metadata();
  } catch (err) {
    throw fail(err);
  }
  // The decoder must agree with the magic bytes (no polyglots handed to another loader).
  if (meta.format !== kind) throw unsupportedType();
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) throw unreadable();
  if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels) throw tooLarge({ width, height }, limits);

  const timeout = { seconds: limits.timeoutSeconds };
  try {
    // The large input is decoded once, upright, down to the largest rendition (raw pixels); every
    // rendition is then encoded from that small copy, one after the other, so a picture holds one
    // thread of the pool at a time and the big canvas is gone after the first step.
    const largest = Math.max(...IMAGE_SIZES);
    const { data: pixels, info } = await sharp(buffer, decodeOptions)
      .rotate()
      .resize(largest, largest, { fit: 'inside', withoutEnlargement: true })
      .raw({ depth: 'uchar' })
      .timeout(timeout)
      .toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
    const variants: ImageVariant[] = [];
    for (const size of IMAGE_SIZES) {
      const out = await sharp(pixels, raw)
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: WEBP_QUALITY })
        .timeout(timeout)
        .toBuffer({ resolveWithObject: true });
      variants.push({ size, webp: out.data, width: out.info.width, height: out.info.height });
    }
    return variants;
  } catch (err) {
    throw fail(err);
  }
}

/** sharp's own guard (limitInputPixels) says "Input image exceeds pixel limit". */
const isPixelLimit = (err: unknown): boolean => err instanceof Error && /pixel limit/i.test(err.message);
/** sharp's `timeout` says "timeout: 42% complete". */
const isTimeout = (err: unknown): boolean => err instanceof Error && /^timeout:/i.test(err.message);
