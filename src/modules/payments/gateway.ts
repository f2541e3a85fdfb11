// What the payment service needs from a gateway, and the one error type adapters throw. Gateway
// messages stay in logs; callers see a safe, fixed message.
import { createHmac, timingSafeEqual } from 'node:crypto';

export class GatewayError extends Error {
  constructor(
    readonly gateway: 'razorpay' | 'stripe',
    /** the gateway's own description, for logs only */
    readonly detail: string,
    /** network trouble, rate limit or 5xx: trying again later may work */
    readonly retryable: boolean,
    readonly statusCode?: number,
  ) {
    super(`${gateway} request failed: ${detail}`);
    this.name = 'GatewayError';
  }
}

export type RefundState = 'pending' | 'processed' | 'failed';

export interface IssuedRefund {
  id: string;
  state: RefundState;
}

/** Hex HMAC-SHA256 of `payload` with `secret`. */
export const hmacHex = (secret: string, payload: string | Buffer): string => createHmac('sha256', secret).update(payload).digest('hex');

/** Constant-time comparison of two hex signatures (false for any length or format mismatch). */
export function sameHex(expected: string, given: string): boolean {
  if (!/^[0-9a-f]+$/i.test(given) || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}
