// Where processed images live. One interface, two adapters: local disk (the zero-set-up default,
// here) and Cloudinary (cloudinary.ts). Every picture is stored as a set of WebP renditions under
// one random base name; the record keeps the URL of the default rendition.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_IMAGE_SIZE, IMAGE_SIZES, type ImageVariant } from './pipeline.js';

export interface StoredImage {
  /** what the record keeps: a site-relative path (`/uploads/…`) or an absolute URL (CDN) */
  url: string;
}

export interface ImageStore {
  /** Stores every rendition of one picture; all or nothing. */
  save(variants: ImageVariant[]): Promise<StoredImage>;
  /** Deletes every rendition of the picture whose default URL is `url`; unknown URLs are ignored. */
  remove(url: string): Promise<void>;
  /** Whether `url` was handed out by this store (so removal goes to the right adapter). */
  owns(url: string): boolean;
}

/** 128 random bits, hex: unguessable, and nothing from the client's file name. */
export const newImageBase = (): string => randomBytes(16).toString('hex');

/** `<base>-<size>.webp`; the older single-file form `<base>.webp` is still served and removed. */
export const UPLOAD_NAME = /^([a-f0-9]{32})(?:-(\d{2,4}))?\.webp$/;

export const variantName = (base: string, size: number): string => `${base}-${size}.webp`;

export const UPLOADS_PREFIX = '/uploads/';

/** Local disk under DATA_DIR/uploads, served by plugins/assets.ts at /uploads/<base>-<size>.webp. */
export class LocalImageStore implements ImageStore {
  constructor(readonly dir: string) {}

  async save(variants: ImageVariant[]): Promise<StoredImage> {
    await mkdir(this.dir, { recursive: true });
    const base = newImageBase();
    const written: string[] = [];
    try {
      for (const v of variants) {
        const file = path.join(this.dir, variantName(base, v.size));
        // 'wx': never overwrite an existing file, even on a (practically impossible) name clash.
        await writeFile(file, v.webp, { mode: 0o644, flag: 'wx' });
        written.push(file);
      }
    } catch (err) {
      await Promise.all(written.map((f) => rm(f, { force: true })));
      throw err;
    }
    return { url: `${UPLOADS_PREFIX}${variantName(base, DEFAULT_IMAGE_SIZE)}` };
  }

  owns(url: string): boolean {
    return url.startsWith(UPLOADS_PREFIX) && UPLOAD_NAME.test(url.slice(UPLOADS_PREFIX.length));
  }

  async remove(url: string): Promise<void> {
    if (!this.owns(url)) return;
    const m = UPLOAD_NAME.exec(url.slice(UPLOADS_PREFIX.length));
    if (!m) return;
    const [name, base, size] = m as unknown as [string, string, string | undefined];
    const names = size === undefined ? [name] : IMAGE_SIZES.map((s) => variantName(base, s));
    await Promise.all(names.map((n) => rm(path.join(this.dir, n), { force: true })));
  }

  /** The bytes of one stored file, or null; only names this store could have written are read. */
  async read(name: string): Promise<Buffer | null> {
    if (!UPLOAD_NAME.test(name)) return null;
    try {
      return await readFile(path.join(this.dir, name));
    } catch {
      return null;
    }
  }
}
