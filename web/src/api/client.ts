// The one API client: openapi-fetch typed by schema.d.ts (generated from the server's OpenAPI
// document by `npm run gen:api`). It adds the in-memory access token to every call, and on a 401
// asks for a new access token once (the refresh token is an HttpOnly cookie the script never sees)
// and repeats the call.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { session } from '../auth/store';

export type { paths };

/** A refusal from the server, carrying its `message` (shown to the person as is) and HTTP status. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly headers?: Headers,
  ) {
    super(message);
  }
}

const NO_RETRY = /\/(login|register|refresh|logout|forgot-password|reset-password)$/;

async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const token = session.token();
  if (token && !input.headers.has('authorization')) input.headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(input);
  if (res.status !== 401 || !token || NO_RETRY.test(new URL(input.url).pathname)) return res;
  const fresh = await session.refresh();
  if (!fresh) return res;
  retry.headers.set('authorization', `Bearer ${fresh}`);
  return fetch(retry);
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: authFetch });

/** openapi-fetch answers `{ data, error, response }`: the data, or an ApiError with the server's message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const message =
    result.error && typeof result.error === 'object' && 'message' in result.error && typeof result.error.message === 'string'
      ? result.error.message
      : result.response.statusText || `HTTP ${result.response.status}`;
  throw new ApiError(message, result.response.status, result.response.headers);
}

/**
 * unwrap for operations that can also answer a non-JSON form (reports: `format=csv`): asked without
 * that format they answer JSON, and anything else is a broken answer.
 */
export function unwrapJson<T>(result: { data?: T; error?: unknown; response: Response }): Exclude<T, string> {
  const data = unwrap(result);
  if (typeof data === 'string') throw new ApiError('The server answered in an unexpected format', result.response.status, result.response.headers);
  return data as Exclude<T, string>;
}

/** A fresh key per logical attempt: the server runs a retried booking or payment creation once. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** Downloads a protected file (receipt PDF) with the access token, then saves it. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await authFetch(new Request(new URL(path, window.location.origin)));
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      message = ((await res.json()) as { message?: string }).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(message, res.status);
  }
  saveBlob(await res.blob(), filename);
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
