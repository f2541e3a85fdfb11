// Where processed images live. One interface; local disk is the zero-set-up default.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface StoredImage {
  /** what the record keeps: a site-relative path (`/uploads/…`) or an absolute URL (CDN) */
  url: string;
}

export interface ImageStore {
  save(webp: Buffer): Promise<StoredImage>;
  remove(url: string): Promise<void>;
}

export const UPLOAD_NAME = /^[a-f0-9]{32}\.webp$/;

/** Local disk under DATA_DIR/uploads, served at /uploads/<random>.webp. */
export class LocalImageStore implements ImageStore {
  constructor(readonly dir: string) {}

  async save(webp: Buffer): Promise<StoredImage> {
    await mkdir(this.dir, { recursive: true });
    // Random, unguessable names: nothing from the client's file name reaches the file system.
    const name = `${randomBytes(16).toString('hex')}.webp`;
    await writeFile(path.join(this.dir, name), webp, { mode: 0o644 });
    return { url: `/uploads/${name}` };
  }

  async remove(url: string): Promise<void> {
    const name = url.startsWith('/uploads/') ? url.slice('/uploads/'.length) : '';
    if (UPLOAD_NAME.test(name)) await rm(path.join(this.dir, name), { force: true });
  }

  async read(name: string): Promise<Buffer | null> {
    if (!UPLOAD_NAME.test(name)) return null;
    try {
      return await readFile(path.join(this.dir, name));
    } catch {
      return null;
    }
  }
}
