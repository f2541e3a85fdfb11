// Image intake for profile pictures: check what the bytes really are, re-encode into WebP
// renditions (pipeline.ts), store them (storage.ts / cloudinary.ts), and resolve stored URLs for the API.
import { AppError } from '../../lib/errors.js';
import { checkDeclaredSize, DEFAULT_IMAGE_LIMITS, processImage, type ImageLimits } from './pipeline.js';
import { WorkQueue, type QueueLimits } from './queue.js';
import type { ImageStore } from './storage.js';
import type { Warn } from '../../lib/logger.js';

export { sniffImageType } from './pipeline.js';

export interface Upload {
  buffer: Buffer;
  /** as the client sent it; informational only, it never reaches the file system */
  filename: string;
  /** as the client declared it; never trusted, the bytes decide */
  mimetype: string;
}

export const DEFAULT_AVATAR_PATH = '/assets/default-avatar.svg';

export interface MediaOptions {
  /** base of absolute URLs for site-relative paths (PUBLIC_URL) */
  publicUrl: string;
  /** UPLOAD_MAX_BYTES; multipart intake enforces it while streaming, this guards direct callers */
  maxBytes: number;
  /** where best-effort clean-up failures are reported */
  warn?: Warn;
  /** size and time limits of one picture (default DEFAULT_IMAGE_LIMITS) */
  limits?: ImageLimits;
  /** how many pictures are processed and wait at once (default DEFAULT_IMAGE_QUEUE) */
  queue?: Omit<QueueLimits, 'retryAfterSeconds'>;
}

/** One picture at a time, four waiting: image work never holds more than one thread of the pool. */
export const DEFAULT_IMAGE_QUEUE = { concurrency: 1, maxWaiting: 4 } as const;

export class MediaService {
  private readonly stores: ImageStore[];
  private readonly limits: ImageLimits;
  readonly queue: WorkQueue;

  /**
   * @param store    where new pictures go (local disk or Cloudinary)
   * @param previous stores that may still hold older pictures (e.g. local files from before
   *                 Cloudinary was configured), so replacing those still deletes them
   */
  constructor(
    private readonly store: ImageStore,
    private readonly options: MediaOptions,
    previous: ImageStore[] = [],
  ) {
    this.stores = [store, ...previous.filter((s) => s !== store)];
    this.limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
    // a refused client comes back after about one picture's worst case
    this.queue = new WorkQueue({ ...(options.queue ?? DEFAULT_IMAGE_QUEUE), retryAfterSeconds: Math.max(1, Math.ceil(this.limits.timeoutSeconds / 2)) });
  }

  /** Validates, re-encodes and stores an image, returning the URL to keep on the record. */
  async storeImage(upload: Upload): Promise<string> {
    if (upload.buffer.length > this.options.maxBytes) throw new AppError(413, fileTooLargeMessage(this.options.maxBytes));
    // what the header declares is checked before the queue: an oversized canvas never waits for a turn
    checkDeclaredSize(upload.buffer, this.limits);
    const variants = await this.queue.run(() => processImage(upload.buffer, this.limits));
    try {
      return (await this.store.save(variants)).url;
    } catch (err) {
      this.options.warn?.('image storage failed', err);
      throw new AppError(502, 'The image could not be stored, please try again');
    }
  }

  /** Deletes every rendition of a stored picture. Best effort: the record has already moved on. */
  async removeImage(url: string | null | undefined): Promise<void> {
    if (!url) return;
    const owner = this.stores.find((s) => s.owns(url));
    if (!owner) return;
    try {
      await owner.remove(url);
    } catch (err) {
      this.options.warn?.('image clean-up failed (the old files stay)', err);
    }
  }

  /** Absolute URL for a stored image; records without one get the app's default avatar. */
  resolve(url: string | null | undefined): string {
    const u = url || DEFAULT_AVATAR_PATH;
    return /^https?:\/\//.test(u) ? u : this.options.publicUrl + u;
  }
}

export function fileTooLargeMessage(maxBytes: number): string {
  const mb = maxBytes / (1024 * 1024);
  const limit = mb >= 1 ? `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB` : `${Math.round(maxBytes / 1024)} KB`;
  return `File too large: the limit is ${limit}`;
}
