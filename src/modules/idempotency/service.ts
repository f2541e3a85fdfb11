// Idempotency keys (the `Idempotency-Key` request header) for the calls a client must be able to
// retry without doing the work twice: booking and payment creation. The same key with the same
// request within KEY_TTL answers what the first request answered; with another request it is
// refused (422); while the first is still running, a duplicate is told so (409) instead of running
// beside it. Keys belong to one account. Only answers of work that was done are kept: a request that
// failed changed nothing, so its key is freed and a retry runs afresh.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { IdempotencyRepo, KeyScope } from './repo.js';

/** How long a key's answer is kept and repeated. */
export const KEY_TTL_MS = 24 * 3600_000;
/**
 * How long a running request holds its key. Longer than any request may take (gateway calls time
 * out after 20 s, with one retry); past it, the holder is taken to have died and the same request
 * may run again.
 */
export const LEASE_MS = 60_000;
/** How often expired keys are deleted (at most; done on the way of a claim). */
const PURGE_EVERY_MS = 10 * 60_000;

export interface Account {
  role: string;
  id: string;
}

/** A key this request holds: complete it with its answer, or release it when the request failed. */
export interface Claim {
  /** Stores the answer; pass the transaction of the work so both commit together. */
  complete(statusCode: number, body: unknown, tx?: Db): Promise<void>;
  /** true once complete() ran (its transaction may still roll back, then release() frees the key) */
  readonly completed: boolean;
  release(): Promise<void>;
}

export type Begin = { kind: 'replay'; statusCode: number; body: unknown } | { kind: 'run'; claim: Claim };

/** JSON with object keys sorted, so the same body in another key order is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const keyReused = () => new AppError(422, 'This Idempotency-Key was already used with a different request; use a new key for a new request');
export const keyInFlight = () => new AppError(409, 'A request with this Idempotency-Key is still being processed; retry in a moment', { 'retry-after': '1' });

export class IdempotencyService {
  private lastPurge = 0;

  constructor(
    private readonly repo: IdempotencyRepo,
    private readonly clock: Clock,
    private readonly warn: (message: string, detail?: Record<string, unknown>) => void = () => {},
  ) {}

  /** Takes `key` for `operation` with this request, or says what to answer instead. */
  async begin(account: Account, key: string, operation: string, request: unknown): Promise<Begin> {
    const now = this.clock.now();
    const scope: KeyScope = { accountRole: account.role, accountId: account.id, key };
    const fingerprint = createHash('sha256').update(`${operation}\n${canonicalJson(request)}`).digest('hex');
    const claim = randomBytes(12).toString('hex');
    const expiredBefore = new Date(now.getTime() - KEY_TTL_MS);
    this.purgeNowAndThen(now, expiredBefore);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.repo.claim({ ...scope, operation, fingerprint, claim, now, leaseUntil: new Date(now.getTime() + LEASE_MS), expiredBefore })) {
        return { kind: 'run', claim: this.claimOf(scope, claim) };
      }
      const row = await this.repo.find(scope);
      if (!row) continue; // released or purged between the two statements: claim again
      if (row.operation !== operation || row.fingerprint !== fingerprint) throw keyReused();
      if (row.state === 'done' && row.statusCode !== null) return { kind: 'replay', statusCode: row.statusCode, body: row.response };
      throw keyInFlight();
    }
    throw keyInFlight();
  }

  private claimOf(scope: KeyScope, claim: string): Claim {
    let completed = false;
    return {
      complete: async (statusCode, body, tx) => {
        await this.repo.complete(scope, claim, statusCode, body, tx);
        completed = true;
      },
      get completed() {
        return completed;
      },
      release: async () => {
        try {
          await this.repo.release(scope, claim);
        } catch (err) {
          // the lease frees the key later; the request's own error is what the client must see
          this.warn('idempotency key release failed', { err });
        }
      },
    };
  }

  private purgeNowAndThen(now: Date, expiredBefore: Date): void {
    if (now.getTime() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now.getTime();
    this.repo.purge(expiredBefore).catch((err: unknown) => this.warn('idempotency key purge failed', { err }));
  }
}
