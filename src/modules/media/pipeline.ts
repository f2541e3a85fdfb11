// The image pipeline: decide what an upload really is from its bytes, refuse anything that is not a
// plain JPEG, PNG or WebP (SVG and other scriptable or exotic formats never reach a decoder), and
// re-encode what is accepted into clean WebP renditions. Re-encoding drops every metadata block
// (EXIF, GPS, XMP, ICC, comments), so nothing a camera wrote about the patient leaves the server.
import type { Metadata } from 'sharp';
import { lazy } from '../../lib/lazy.js';
import { AppError } from '../../lib/errors.js';

export type ImageKind = 'jpeg' | 'png' | 'webp';

/** The renditions stored for every picture, in pixels (longest side, never enlarged). */
export const IMAGE_SIZES = [96, 256, 512] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];
/** The rendition whose URL the record keeps and the API returns in `image`. */
export const DEFAULT_IMAGE_SIZE: ImageSize = 512;

/**
 * Decompression-bomb guard: a few KB of PNG can declare billions of pixels. 50 megapixels covers
 * every phone camera photo that fits under the upload size limit; more is refused from the header,
 * before any pixel is decoded.
 */
export const MAX_INPUT_PIXELS = 50_000_000;

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
const tooManyPixels = (maxPixels: number) =>
  new AppError(415, `The image has too many pixels: the limit is ${maxPixels / 1_000_000} megapixels`);

/**
 * Validates an upload and renders it as WebP in every size of IMAGE_SIZES: auto-rotated from the
 * EXIF orientation, then stripped of all metadata. Throws AppError 415 for anything unacceptable.
 */
const loadSharp = lazy(async () => (await import('sharp')).default);

export async function processImage(buffer: Buffer, maxPixels = MAX_INPUT_PIXELS): Promise<ImageVariant[]> {
  const kind = sniffImageType(buffer);
  if (!kind) throw unsupportedType();
  const sharp = await loadSharp();
  // Every decode refuses truncated/corrupt data and oversized canvases outright.
  const decodeOptions = { limitInputPixels: maxPixels, failOn: 'error' } as const;

  // The header alone tells the format and the canvas size; nothing is decoded yet.
  let meta: Metadata;
  try {
    meta = await sharp(buffer, decodeOptions).metadata();
  } catch (err) {
    throw isPixelLimit(err) ? tooManyPixels(maxPixels) : unreadable();
  }
  // The decoder must agree with the magic bytes (no polyglots handed to another loader).
  if (meta.format !== kind) throw unsupportedType();
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) throw unreadable();
  if (width * height > maxPixels) throw tooManyPixels(maxPixels);

  try {
    // Every size is a clone of one pipeline: same input, same options, same upright rotation.
    const base = sharp(buffer, decodeOptions).rotate();
    return await Promise.all(
      IMAGE_SIZES.map(async (size) => {
        const { data, info } = await base
          .clone()
          .resize(size, size, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: WEBP_QUALITY })
          .toBuffer({ resolveWithObject: true });
        return { size, webp: data, width: info.width, height: info.height };
      }),
    );
  } catch (err) {
    throw isPixelLimit(err) ? tooManyPixels(maxPixels) : unreadable();
  }
}

/** sharp's own guard (limitInputPixels) says "Input image exceeds pixel limit". */
const isPixelLimit = (err: unknown): boolean => err instanceof Error && /pixel limit/i.test(err.message);
