// Cloudinary storage through the official SDK (v2), used when CLOUDINARY_NAME, CLOUDINARY_API_KEY and
// CLOUDINARY_SECRET_KEY are set. Every rendition is a signed upload into the `prescripto` folder
// with a random public id; the record keeps the default rendition's secure_url.
//
// Credentials go with every call rather than into the SDK's process-wide `cloudinary.config()`, so
// several apps (tests, or two deployments in one process) never see each other's account.
import http from 'node:http';
import type { UploadApiOptions, UploadApiResponse } from 'cloudinary';
import { lazy } from '../../lib/lazy.js';
import { DEFAULT_IMAGE_SIZE, IMAGE_SIZES, type ImageVariant } from './pipeline.js';
import { newImageBase, type ImageStore, type StoredImage } from './storage.js';

export const CLOUDINARY_FOLDER = 'prescripto';

export interface CloudinarySettings {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** API host override (CLOUDINARY_API_BASE), e.g. a local stand-in; default https://api.cloudinary.com */
  apiBase?: string;
}

/** `…/prescripto/<base>-<size>.<ext>` at the end of a delivery URL (any version segment before it). */
const DELIVERY_PATH = new RegExp(`/${CLOUDINARY_FOLDER}/([a-f0-9]{32})-(\\d{2,4})\\.[a-z]+$`);

const REQUEST_TIMEOUT_MS = 20_000;

const loadCloudinary = lazy(async () => (await import('cloudinary')).v2);

/** Cloudinary's delivery host: a picture of this account is at https://res.cloudinary.com/<cloud name>/… */
const DELIVERY_HOST = 'res.cloudinary.com';

export class CloudinaryImageStore implements ImageStore {
  private readonly auth: Record<string, unknown>;
  private readonly cloudName: string;

  constructor(settings: CloudinarySettings) {
    this.cloudName = settings.cloudName;
    const apiBase = settings.apiBase?.replace(/\/$/, '');
    this.auth = {
      cloud_name: settings.cloudName,
      api_key: settings.apiKey,
      api_secret: settings.apiSecret,
      timeout: REQUEST_TIMEOUT_MS,
      ...(apiBase ? { upload_prefix: apiBase } : {}),
      // The SDK picks its transport (https) when it is first loaded; a plain-http base (a local
      // stand-in) needs an http agent, which the SDK hands to the request as is.
      ...(apiBase?.startsWith('http:') ? { agent: new http.Agent({ keepAlive: false }) } : {}),
    };
  }

  async save(variants: ImageVariant[]): Promise<StoredImage> {
    const base = newImageBase();
    const results = await Promise.allSettled(variants.map((v) => this.upload(`${base}-${v.size}`, v.webp)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // All or nothing: take back the renditions that did arrive.
      await Promise.allSettled(
        variants.map((v, i) => (results[i]?.status === 'fulfilled' ? this.destroy(`${CLOUDINARY_FOLDER}/${base}-${v.size}`) : undefined)),
      );
      throw new Error(`Cloudinary upload failed: ${describe(failed.reason)}`);
    }
    const index = variants.findIndex((v) => v.size === DEFAULT_IMAGE_SIZE);
    const main = results[index === -1 ? variants.length - 1 : index] as PromiseFulfilledResult<UploadApiResponse>;
    if (!main?.value?.secure_url) throw new Error('Cloudinary answered without a secure_url');
    return { url: main.value.secure_url };
  }

  /**
   * Only this account's delivery URLs, in our folder: a record holding another host's or another
   * cloud's URL with a look-alike path (`…/prescripto/<hex>-512.webp`) must not make us destroy
   * our own picture of that name.
   */
  owns(url: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') &&
      u.hostname === DELIVERY_HOST &&
      u.port === '' &&
      u.pathname.startsWith(`/${this.cloudName}/`) &&
      DELIVERY_PATH.test(u.pathname)
    );
  }

  async remove(url: string): Promise<void> {
    if (!this.owns(url)) return;
    const m = DELIVERY_PATH.exec(new URL(url).pathname);
    if (!m) return;
    const base = m[1];
    await Promise.all(IMAGE_SIZES.map((size) => this.destroy(`${CLOUDINARY_FOLDER}/${base}-${size}`)));
  }

  private async upload(publicId: string, webp: Buffer): Promise<UploadApiResponse> {
    const cloudinary = await loadCloudinary();
    const options: UploadApiOptions = {
      ...this.auth,
      folder: CLOUDINARY_FOLDER,
      public_id: publicId,
      resource_type: 'image',
      overwrite: false,
    };
    return new Promise((resolve, reject) => {
      const stream = cloudinary.uploader.upload_stream(options, (error, result) => {
        if (error || !result) reject(error ?? new Error('empty Cloudinary response'));
        else resolve(result);
      });
      stream.end(webp);
    });
  }

  private async destroy(publicId: string): Promise<void> {
    // The typings list only a few options; the SDK reads credentials and transport from the same object.
    const options = { ...this.auth, resource_type: 'image', invalidate: true } as { invalidate?: boolean };
    const res: unknown = await (await loadCloudinary()).uploader.destroy(publicId, options);
    const result = (res as { result?: unknown } | undefined)?.result;
    // 'not found' is fine: the rendition is gone either way.
    if (result !== 'ok' && result !== 'not found') throw new Error(`Cloudinary destroy of ${publicId} answered ${String(result)}`);
  }
}

/** The SDK rejects with plain objects ({ message, http_code }); never includes credentials. */
function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (reason && typeof reason === 'object') {
    const r = reason as { message?: unknown; http_code?: unknown };
    return `${String(r.message ?? 'error')}${r.http_code ? ` (HTTP ${String(r.http_code)})` : ''}`;
  }
  return String(reason);
}
