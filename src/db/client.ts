// One database handle for both drivers: embedded PGlite (default, persisted under DATA_DIR) or a
// PostgreSQL server when DATABASE_URL is set. Same SQL and migrations on both.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { citext } from '@electric-sql/pglite/contrib/citext';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { currentRequest } from '../lib/request-scope.js';
import { isDatabaseDown } from '../plugins/errors.js';
import * as schema from './schema.js';
import { runMigrations } from './migrate.js';
import { namingPoolOption } from './prepared.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'pg';
  /** Runs raw SQL (several statements allowed): migrations, seeding, tests. */
  exec(sqlText: string): Promise<void>;
  /** Parameterised raw query returning rows, for the few statements Drizzle cannot express. */
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
  /** the pg pool (server mode only), for metrics and benchmarks */
  pool?: pg.Pool;
  /** the PGlite instance (embedded mode only) */
  pglite?: PGlite;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** a PGlite data-dir dump to start from (tests clone a migrated template) */
  loadDataDir?: Blob;
  /** pool size for a PostgreSQL server */
  poolSize?: number;
  /**
   * PostgreSQL server only: the longest a statement may run (ms). The server cancels it
   * (statement_timeout, SQLSTATE 57014) and, for a server that stopped answering altogether (a
   * frozen network keeps the socket open), the client gives up a second later; both answer 503.
   * Unset: no limit (migrations, seeding and bulk loads open their databases without one).
   */
  queryTimeoutMs?: number;
  /** PostgreSQL server only: send repeated statements as named prepared statements (src/db/prepared.ts); default true */
  preparedStatements?: boolean;
  /** told what the database layer turned off by itself (named statements a pooler does not keep) */
  onWarning?: (message: string) => void;
  migrate?: boolean;
  /** embedded database only: its page cache and per-sort memory (PGlite's defaults when unset) */
  embedded?: EmbeddedSettings;
}

export interface EmbeddedSettings {
  sharedBuffersMb?: number;
  workMemKb?: number;
}

/** PGlite's start parameters with our memory settings (PostgreSQL's `-c name=value`). */
function embeddedStartParams(settings: EmbeddedSettings | undefined): string[] | undefined {
  if (!settings || (settings.sharedBuffersMb === undefined && settings.workMemKb === undefined)) return undefined;
  const params = [...PGlite.defaultStartParams];
  if (settings.sharedBuffersMb !== undefined) params.push('-c', `shared_buffers=${settings.sharedBuffersMb}MB`);
  if (settings.workMemKb !== undefined) params.push('-c', `work_mem=${settings.workMemKb}kB`);
  return params;
}

export const pgliteExtensions = { btree_gist, citext };

// node-postgres returns int8 (counts, sums) as strings; the API wants numbers and our sums stay far
// below 2^53, so parse them once here instead of at every call site.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl && opts.queryTimeoutMs && opts.migrate !== false) {
    // Migrations wait on an advisory lock while another instance migrates and may build indexes for
    // minutes: they run on a connection of their own, without the serving pool's timeouts.
    const migrator = openServer(opts.databaseUrl, { poolSize: 1, preparedStatements: opts.preparedStatements, onWarning: opts.onWarning });
    try {
      await runMigrations(migrator);
    } finally {
      await migrator.close();
    }
    return openServer(opts.databaseUrl, opts);
  }
  const database = opts.databaseUrl ? openServer(opts.databaseUrl, opts) : await openEmbedded(opts);
  if (opts.migrate === false) return database;
  const applied = await runMigrations(database);
  if (database.kind === 'pglite' && opts.dataDir && applied.length > 0) {
    // PGlite's WebAssembly heap only grows: what building the schema took (a first start runs every
    // migration) would stay in the process for good. A fresh instance on the migrated files starts
    // with what serving needs; the old one's heap goes with it.
    await database.close();
    return openEmbedded(opts);
  }
  return database;
}

/** A client handed back to the pool while its query still waits for an answer (pg internals: no public accessor). */
function hasQueryInFlight(client: pg.PoolClient): boolean {
  return Boolean((client as unknown as { _activeQuery?: unknown })._activeQuery);
}

type PoolCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: Error | boolean) => void) => void;

const statementText = (q: unknown) => (typeof q === 'string' ? q : String((q as { text?: unknown } | undefined)?.text ?? ''));
const isBegin = (q: unknown) => /^\s*begin\b/i.test(statementText(q));
const isRollback = (q: unknown) => /^\s*rollback\b/i.test(statementText(q));
/**
 * A plain read: a SELECT, or a WITH query, naming no data-changing or locking keyword. Anything else
 * (BEGIN, INSERT, a CTE that writes, SELECT … FOR UPDATE) counts as a write.
 */
export function isPlainRead(q: unknown): boolean {
  const text = statementText(q);
  return /^\s*\(?\s*(select|with)\b/i.test(text) && !/\b(insert|update|delete|merge|for\s+share|nextval|setval)\b/i.test(text);
}

/**
 * One bound per request, whatever number of statements it makes. Once a statement of a request
 * timed out or found the database unreachable, the request's next statements fail at once (a 503)
 * instead of each waiting for its own timeout: a login that met a frozen database answered after
 * the lookup's timeout plus the audit insert's connect timeout. A ROLLBACK still goes to the server
 * (it ends the transaction of a healthy connection), except on a connection whose timed-out
 * statement is still on the wire: that one is closed on release anyway.
 */
function gaveUp(): Error {
  return Object.assign(new Error('Connection terminated: an earlier statement of this request found the database unresponsive'), { code: 'ETIMEDOUT' });
}

function guarded<T>(statement: unknown, client: pg.PoolClient | undefined, run: () => T): T {
  const scope = currentRequest();
  if (!scope) return run();
  if (scope.databaseGaveUp && (!isRollback(statement) || (client && hasQueryInFlight(client)))) return Promise.reject(gaveUp()) as T;
  // read-your-writes: this request's account must read its own writes from now on (db/read-router.ts)
  if (!scope.wrote && statement !== undefined && !isPlainRead(statement)) scope.wrote = true;
  const result = run();
  if (result instanceof Promise) {
    result.catch((err: unknown) => {
      if (isDatabaseDown(err)) scope.databaseGaveUp = true;
    });
  }
  return result;
}

/**
 * Drizzle's transaction() checks a client out and sends BEGIN *before* its try/finally, so a BEGIN
 * that fails (timed out, connection dropped) never gives the client back: a few of those and the
 * pool has nothing left to lend, and the service stays down after the database returns. This pool
 * releases such a client itself, with the error, so the pool drops it.
 */
class TransactionSafePool extends pg.Pool {
  constructor(config: pg.PoolConfig) {
    super(config);
    // pool.query is how Drizzle runs every statement outside a transaction
    const query = this.query.bind(this) as (...a: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => guarded(args[0], undefined, () => query(...args))) as typeof this.query;
  }

  connect(): Promise<pg.PoolClient>;
  connect(callback: PoolCallback): void;
  connect(callback?: PoolCallback): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback); // pool.query's own checkout releases on error already
    return guarded(undefined, undefined, () => super.connect()).then((client) => {
      guardQueries(client);
      awaitingFirst.add(client);
      return client;
    });
  }
}

/** Clients checked out for a transaction whose first statement (Drizzle's BEGIN) is still to come. */
const awaitingFirst = new WeakSet<pg.PoolClient>();
const guardedClients = new WeakSet<pg.PoolClient>();

/**
 * Wraps a pooled client's `query` once for its whole life: the pool lends the same client out again
 * and again, and a wrapper added per checkout would nest one more layer each time (every statement
 * walking all of them, until the stack overflows).
 */
function guardQueries(client: pg.PoolClient): void {
  if (guardedClients.has(client)) return;
  guardedClients.add(client);
  const query = client.query;
  client.query = ((...args: unknown[]) => {
    const result = guarded(args[0], client, () => (query as (...a: unknown[]) => unknown).apply(client, args));
    if (!awaitingFirst.delete(client)) return result;
    // only the first statement of a checkout can be the BEGIN Drizzle sends outside its try
    if (isBegin(args[0]) && result instanceof Promise) {
      result.catch((err: Error) => {
        try {
          client.release(err);
        } catch {
          /* already released */
        }
      });
    }
    return result;
  }) as typeof client.query;
}

function openServer(url: string, { poolSize = 10, queryTimeoutMs, preparedStatements = true, onWarning }: Pick<OpenOptions, 'poolSize' | 'queryTimeoutMs' | 'preparedStatements' | 'onWarning'>): Database {
  // A small pool: PostgreSQL does best with few busy connections; 10 per process keeps N workers
  // well under max_connections (100) while letting bookings wait on row locks in parallel.
  // connectionTimeoutMillis: a server that accepts TCP but never answers (network cut, proxy) must
  // turn into a 503 within seconds, not a request hanging forever on pool.connect().
  // Repeated statements go out as named prepared statements unless turned off (src/db/prepared.ts).
  // statement_timeout / query_timeout: a server that accepts the connection but stops answering
  // (a frozen network, a stuck lock) must also give a 503 within seconds (see OpenOptions).
  const timeouts = queryTimeoutMs ? { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + 1000 } : {};
  // Waiting for a connection (a new one's handshake, or a free one) counts against the same bound
  // as a statement: no longer than DB_QUERY_TIMEOUT_MS.
  const connectionTimeoutMillis = queryTimeoutMs ? Math.min(5_000, queryTimeoutMs) : 5_000;
  const pool = new TransactionSafePool({
    connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis, keepAlive: true, ...timeouts,
    ...namingPoolOption(preparedStatements, onWarning),
  });
  pool.on('error', () => {
    /* idle client errors (server restart) are surfaced on the next query instead */
  });
  // A connection that dies while checked out (mid-transaction) emits 'error' on its client, and
  // pg-pool listens only on idle clients: without this the process would crash with an uncaught
  // ECONNRESET. The query in flight still rejects (→ 503), and the pool discards the dead client.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  // After a client-side timeout the statement is still on the wire: node-postgres keeps the
  // connection and would answer the next caller's query after it, or run it inside a transaction
  // whose BEGIN arrived late. A connection released in that state is closed instead (end() marks it
  // ending, so the pool drops it rather than lending it out again).
  pool.on('release', (_err, client) => {
    awaitingFirst.delete(client);
    if (hasQueryInFlight(client)) void client.end().catch(() => undefined);
  });
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pg',
    pool,
    exec: async (text) => {
      await pool.query(text);
    },
    query: async <T>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as T[],
    close: () => pool.end(),
  };
}

async function openEmbedded(opts: OpenOptions): Promise<Database> {
  let client: PGlite;
  let lock: DataDirLock | undefined;
  const startParams = embeddedStartParams(opts.embedded);
  if (opts.loadDataDir) {
    client = await PGlite.create({ loadDataDir: opts.loadDataDir, extensions: pgliteExtensions, startParams });
  } else if (opts.dataDir) {
    // before anything is read: a second process on these files would lose the first one's writes
    lock = lockDataDir(opts.dataDir);
    const dir = path.join(opts.dataDir, 'pgdata');
    try {
      mkdirSync(dir, { recursive: true });
      client = await PGlite.create(dir, { extensions: pgliteExtensions, startParams });
    } catch (err) {
      lock.release();
      throw err;
    }
  } else {
    client = await PGlite.create({ extensions: pgliteExtensions, startParams });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pglite: client,
    exec: async (text) => {
      await client.exec(text);
    },
    query: async <T>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows,
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}
