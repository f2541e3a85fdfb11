// Read replicas (DATABASE_READ_URLS): reads that can tolerate replication lag go to a hot standby,
// round-robin; everything else stays on the primary.
//
// Which statements may leave the primary is decided per statement, so a repository can be handed
// the routed handle without sorting its methods: only a plain read (isPlainRead in client.ts) sent
// outside a transaction, during a GET or HEAD request that has not written anything yet, goes to a
// replica. Writes, transactions (connect() lends a primary connection), background jobs (no request)
// and every read of a POST/PUT/PATCH/DELETE stay on the primary.
//
// Read-your-writes: a request that wrote for an account records the primary's WAL position before
// its answer leaves (in Redis when set, so every process sees it; in this process otherwise), and
// that account's later reads use only a replica whose replay position has reached it. Replica
// positions and lag are polled every REPLICA_CHECK_MS, never per request; a polled position is at
// most behind the real one, so the check errs towards the primary.
import pg from 'pg';
import type { Redis } from 'ioredis';
import { currentRequest, type RequestScope } from '../lib/request-scope.js';
import type { Database, Db } from './client.js';
import { isPlainRead } from './client.js';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import * as schema from './schema.js';
import { namingPoolOption } from './prepared.js';

/** `16/B374D848` → a number that orders like the WAL (PostgreSQL's pg_lsn). */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export type ReplicaState = 'ok' | 'lagging' | 'down';

export interface ReplicaView {
  state: ReplicaState;
  /** replay position at the last check (0 before the first) */
  replayLsn: bigint;
}

/**
 * The replica to read from: the next one after `cursor` (round-robin) that is `ok` and has replayed
 * at least `mustSee`. `undefined`: read from the primary.
 */
export function pickReplica(replicas: readonly ReplicaView[], mustSee: bigint, cursor: number): number | undefined {
  for (let i = 0; i < replicas.length; i++) {
    const at = (cursor + i) % replicas.length;
    const r = replicas[at];
    if (r.state === 'ok' && r.replayLsn >= mustSee) return at;
  }
  return undefined;
}

/** How a replica stands after a check: down when unreachable or not a standby, lagging beyond maxLagMs. */
export function replicaState(check: { inRecovery: boolean; lagMs: number } | undefined, maxLagMs: number): ReplicaState {
  if (!check || !check.inRecovery) return 'down';
  return check.lagMs > maxLagMs ? 'lagging' : 'ok';
}

// A replica that has replayed everything it received is current however old its last transaction
// is (an idle primary); otherwise its lag is the age of the last transaction it replayed.
const CHECK_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  COALESCE(pg_last_wal_replay_lsn()::text, '0/0') AS replay_lsn,
  CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
       ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END AS lag_ms`;

// Errors a replica gives that the primary would give too: the read is not retried there.
const SAME_ON_PRIMARY = /^(22|23|42)/;
// The replica itself is unreachable or shutting down: skip it until the next check says otherwise.
const REPLICA_GONE = /^(08|57P)/;

export interface ReplicaStatus {
  /** host:port/database of DATABASE_READ_URLS (never the credentials) */
  name: string;
  state: ReplicaState;
  /** milliseconds behind at the last check (absent while down) */
  lagMs?: number;
}

export interface ReadRouterOptions {
  urls: string[];
  maxLagMs: number;
  checkMs: number;
  poolSize?: number;
  queryTimeoutMs?: number;
  /** named prepared statements on the replicas too (src/db/prepared.ts) */
  preparedStatements?: boolean;
  onWarning?: (message: string) => void;
  redis?: Redis;
  redisPrefix: string;
  /** counts each routed read by where it went (db_reads_total) */
  countRead: (target: 'replica' | 'primary') => void;
}

class Replica implements ReplicaView {
  state: ReplicaState = 'down';
  replayLsn = 0n;
  lagMs?: number;
  readonly pool: pg.Pool;

  constructor(readonly name: string, url: string, opts: Pick<ReadRouterOptions, 'poolSize' | 'queryTimeoutMs' | 'preparedStatements' | 'onWarning'>) {
    const { poolSize = 10, queryTimeoutMs } = opts;
    const timeouts = queryTimeoutMs ? { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + 1000 } : {};
    this.pool = new pg.Pool({
      connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 2_000, keepAlive: true, ...timeouts,
      ...namingPoolOption(opts.preparedStatements ?? true, opts.onWarning),
    });
    // a replica going away must not crash the process: its reads fall back to the primary
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }
}

function replicaName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

const sqlState = (err: unknown): string => String((err as { code?: unknown } | undefined)?.code ?? '');

export class ReadRouter {
  /** the Drizzle handle for lag-tolerant reads (the primary's own handle when there is no replica) */
  readonly db: Db;
  /** the Database for lag-tolerant raw reads (reports) */
  readonly database: Database;
  private readonly replicas: Replica[];
  private cursor = 0;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  /** last-write positions when there is no Redis: account → [position, expiry] */
  private readonly local = new Map<string, [bigint, number]>();
  private readonly ttlMs: number;

  constructor(private readonly primary: Database, private readonly opts: ReadRouterOptions) {
    this.replicas = primary.pool ? opts.urls.map((u) => new Replica(replicaName(u), u, opts)) : [];
    // Past this age a write is older than any lag a used replica may have.
    this.ttlMs = Math.max(60_000, opts.maxLagMs * 10);
    if (!this.replicas.length || !primary.pool) {
      this.db = primary.db;
      this.database = primary;
      return;
    }
    const routed = routedPool(primary.pool, (args) => this.route(args));
    this.db = drizzlePg(routed, { schema }) as unknown as Db;
    this.database = { ...primary, db: this.db, query: async <T>(text: string, params: unknown[] = []) => (await routed.query(text, params)).rows as T[] };
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  /** Polls the replicas now and then every checkMs. */
  async start(): Promise<void> {
    if (!this.enabled || this.timer) return;
    await this.check();
    this.timer = setInterval(() => void this.check(), this.opts.checkMs);
    this.timer.unref();
  }

  /** One round of checks (tests call it to not wait for the timer). */
  check(): Promise<void> {
    this.checking ??= Promise.all(this.replicas.map((r) => this.checkOne(r))).then(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOne(r: Replica): Promise<void> {
    try {
      const { rows } = await r.pool.query<{ in_recovery: boolean; replay_lsn: string; lag_ms: string | number }>(CHECK_SQL);
      const row = rows[0];
      const lagMs = Math.max(0, Math.round(Number(row.lag_ms)));
      r.replayLsn = parseLsn(row.replay_lsn);
      r.lagMs = lagMs;
      r.state = replicaState({ inRecovery: row.in_recovery, lagMs }, this.opts.maxLagMs);
    } catch {
      r.state = 'down';
      r.lagMs = undefined;
    }
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((r) => ({ name: r.name, state: r.state, ...(r.lagMs === undefined || r.state === 'down' ? {} : { lagMs: r.lagMs }) }));
  }

  /**
   * Records the primary's WAL position as the one `account`'s reads must see. Called after the
   * request's writes committed and before its answer is sent.
   */
  async noteWrite(account: string): Promise<void> {
    const [row] = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const lsn = parseLsn(row.lsn);
    this.local.set(account, [lsn, Date.now() + this.ttlMs]);
    if (this.local.size > 100_000) this.pruneLocal();
    if (!this.opts.redis) return;
    // Fixed-width hex orders as text, so the script keeps the later of two concurrent writers'.
    await this.opts.redis.eval(
      "local c = redis.call('GET', KEYS[1]) if (not c) or c < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end return 1",
      1,
      this.key(account),
      lsn.toString(16).padStart(16, '0'),
      String(this.ttlMs),
    );
  }

  /** The position this account's reads must see: 0 for none known, undefined when it cannot be known (Redis down). */
  async mustSee(account: string | undefined): Promise<bigint | undefined> {
    if (!account) return 0n;
    const local = this.local.get(account);
    const here = local && local[1] > Date.now() ? local[0] : 0n;
    if (!this.opts.redis) return here;
    try {
      const shared = await this.opts.redis.get(this.key(account));
      const there = shared ? BigInt(`0x${shared}`) : 0n;
      return there > here ? there : here;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    await Promise.all(this.replicas.map((r) => r.pool.end().catch(() => undefined)));
  }

  private key(account: string): string {
    return `${this.opts.redisPrefix}wal:${account}`;
  }

  private pruneLocal(): void {
    const now = Date.now();
    for (const [k, [, until]] of this.local) if (until <= now) this.local.delete(k);
  }

  /** The replica for this statement, or undefined for the primary. */
  private async choose(text: unknown, scope: RequestScope | undefined): Promise<Replica | undefined> {
    if (!scope || !scope.readOnly || scope.wrote || !isPlainRead(text)) return undefined;
    scope.mustSee ??= this.mustSee(scope.account);
    const mustSee = await scope.mustSee;
    if (mustSee === undefined) return undefined;
    const at = pickReplica(this.replicas, mustSee, this.cursor);
    if (at === undefined) return undefined;
    this.cursor = (at + 1) % this.replicas.length;
    return this.replicas[at];
  }

  private async route(args: unknown[]): Promise<pg.QueryResult> {
    const primary = this.primary.pool as pg.Pool;
    const onPrimary = () => (primary.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args);
    const scope = currentRequest();
    const replica = await this.choose(args[0], scope);
    if (!replica) {
      if (isPlainRead(args[0])) this.opts.countRead('primary');
      return onPrimary();
    }
    try {
      const result = await (replica.pool.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args);
      this.opts.countRead('replica');
      return result;
    } catch (err) {
      const code = sqlState(err);
      if (SAME_ON_PRIMARY.test(code)) throw err;
      // unreachable, shutting down, or a read cancelled by a recovery conflict: the primary answers
      if (!code || REPLICA_GONE.test(code)) replica.state = 'down';
      this.opts.countRead('primary');
      return onPrimary();
    }
  }
}

/**
 * A pg.Pool look-alike for Drizzle: queries are routed, while connect() — how Drizzle starts a
 * transaction — always lends a primary connection. It is a Pool so Drizzle treats it as one.
 */
function routedPool(primary: pg.Pool, route: (args: unknown[]) => Promise<pg.QueryResult>): pg.Pool {
  const pool = new pg.Pool({ max: 1 });
  pool.query = ((...args: unknown[]) => route(args)) as typeof pool.query;
  pool.connect = (() => primary.connect()) as typeof pool.connect;
  return pool;
}
