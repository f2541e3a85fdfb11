// Image intake: check what the bytes really are, re-encode, store; resolve stored URLs for the API.
import sharp from 'sharp';
import { AppError } from '../../lib/errors.js';
import type { ImageStore } from './storage.js';

export interface Upload {
  buffer: Buffer;
  filename: string;
  mimetype: string;
}

export const DEFAULT_AVATAR_PATH = '/assets/default-avatar.svg';

/** JPEG, PNG or WebP by content (magic bytes), whatever the name or declared type says. */
export function sniffImageType(buf: Buffer): 'jpeg' | 'png' | 'webp' | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

export class MediaService {
  constructor(
    private readonly store: ImageStore,
    private readonly publicUrl: string,
  ) {}

  /** Validates and stores an image, returning the URL to keep on the record. */
  async storeImage(upload: Upload): Promise<string> {
    if (!sniffImageType(upload.buffer)) throw new AppError(415, 'Invalid file type: upload a JPEG, PNG or WebP image');
    let webp: Buffer;
    try {
      webp = await sharp(upload.buffer, { limitInputPixels: 40_000_000 })
        .rotate()
        .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 82 })
        .toBuffer();
    } catch {
      throw new AppError(415, 'The image could not be read: it is corrupt or not a supported image');
    }
    try {
      return (await this.store.save(webp)).url;
    } catch {
      throw new AppError(502, 'The image could not be stored, please try again');
    }
  }

  async removeImage(url: string | null | undefined): Promise<void> {
    if (url) await this.store.remove(url).catch(() => undefined);
  }

  /** Absolute URL for a stored image; patients without one get the app's default avatar. */
  resolve(url: string | null | undefined): string {
    const u = url || DEFAULT_AVATAR_PATH;
    return /^https?:\/\//.test(u) ? u : this.publicUrl + u;
  }
}
