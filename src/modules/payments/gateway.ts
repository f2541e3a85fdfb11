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
    /** fields the gateway's answer lacked or carried in the wrong type (the call itself succeeded) */
    readonly malformed: string[] = [],
  ) {
    super(`${gateway} request failed: ${detail}`);
    this.name = 'GatewayError';
  }
}

/**
 * Reads the fields we use out of a gateway's JSON answer, checking each one's type, so an answer
 * that changed shape is a clear 502 here instead of a failure somewhere downstream (a response
 * schema, an amount compared with undefined). `require` lists what this call cannot do without;
 * every other field is kept only when it has the right type.
 */
export class AnswerReader {
  private readonly o: Record<string, unknown>;
  private readonly missing: string[] = [];

  constructor(
    private readonly gateway: 'razorpay' | 'stripe',
    private readonly what: string,
    raw: unknown,
  ) {
    this.o = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  }

  /** A non-empty string; recorded as missing when required and absent. */
  string(field: string, required: true): string;
  string(field: string, required?: boolean): string | undefined;
  string(field: string, required = false): string | undefined {
    const v = this.o[field];
    if (typeof v === 'string' && v.length > 0) return v;
    if (required) this.missing.push(field);
    return required ? '' : undefined;
  }

  /** A non-negative integer (Razorpay sends amounts as numbers; a digit string is accepted too). */
  integer(field: string, required: true): number;
  integer(field: string, required?: boolean): number | undefined;
  integer(field: string, required = false): number | undefined {
    const v = this.o[field];
    const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
    if (required) this.missing.push(field);
    return required ? 0 : undefined;
  }

  /** The raw value, for fields with a shape of their own (ids or expanded objects). */
  raw(field: string): unknown {
    return this.o[field];
  }

  /** Throws a non-retryable GatewayError naming every missing field, if any. */
  done(): void {
    if (this.missing.length > 0) {
      throw new GatewayError(this.gateway, `${this.what} answer lacks ${this.missing.join(', ')}`, false, undefined, [...this.missing]);
    }
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
