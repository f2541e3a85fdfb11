// One HTTP POST of a signed delivery. The host is resolved and checked here, and the connection is
// made to the checked address (the `lookup` hook hands it to the socket), so a DNS answer that
// changes between the check and the connection cannot steer the request into a private network.
// No connection pool: each delivery connects to the address just checked. Redirects are not followed: a 3xx counts as a failure, like any answer outside 2xx.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveSafely } from './address-check.js';

export interface SendResult {
  statusCode?: number;
  error?: string;
}

export type WebhookSender = (url: string, headers: Record<string, string>, body: string | Buffer) => Promise<SendResult>;

/** Also the Web Push sender (modules/push): same address checks and pinning, its own user agent. */
export function createSender(opts: { allowPrivate: boolean; timeoutMs: number; userAgent?: string }): WebhookSender {
  return async (url, headers, body) => {
    const target = new URL(url);
    let addresses;
    try {
      addresses = await resolveSafely(target.hostname, opts.allowPrivate);
    } catch (err) {
      return { error: `refused: ${(err as Error).message}` };
    }
    const pinned = addresses[0];
    const lookup: LookupFunction = (_host, options, callback) => {
      if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
      else callback(null, pinned.address, pinned.family);
    };
    const client = target.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolve) => {
      const req = client.request(
        target,
        { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': opts.userAgent ?? 'Prescripto-Webhooks/1' }, lookup, timeout: opts.timeoutMs, agent: false },
        (res) => {
          // the answer's body is not needed: drain at most a little of it and move on
          res.resume();
          res.on('end', () => resolve({ statusCode: res.statusCode }));
          res.on('error', () => resolve({ statusCode: res.statusCode }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      req.on('error', (err) => resolve({ error: err.message.slice(0, 300) }));
      req.end(body);
    });
  };
}
