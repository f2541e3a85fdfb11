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
import * as schema from './schema.js';
import { runMigrations } from './migrate.js';

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
  migrate?: boolean;
}

export const pgliteExtensions = { btree_gist, citext };

// node-postgres returns int8 (counts, sums) as strings; the API wants numbers and our sums stay far
// below 2^53, so parse them once here instead of at every call site.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const database = opts.databaseUrl ? openServer(opts.databaseUrl, opts.poolSize) : await openEmbedded(opts);
  if (opts.migrate !== false) await runMigrations(database);
  return database;
}

function openServer(url: string, poolSize = 10): Database {
  // A small pool: PostgreSQL does best with few busy connections; 10 per process keeps N workers
  // well under max_connections (100) while letting bookings wait on row locks in parallel.
  // connectionTimeoutMillis: a server that accepts TCP but never answers (network cut, proxy) must
  // turn into a 503 within seconds, not a request hanging forever on pool.connect().
  // No named prepared statements: node-postgres needs a name per statement text and Drizzle's text
  // varies with filters; the hot statements are short index lookups whose planning costs far less
  // than their round trip (measured by `npm run bench`, README "Performance").
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, keepAlive: true });
  pool.on('error', () => {
    /* idle client errors (server restart) are surfaced on the next query instead */
  });
  // A connection that dies while checked out (mid-transaction) emits 'error' on its client, and
  // pg-pool listens only on idle clients: without this the process would crash with an uncaught
  // ECONNRESET. The query in flight still rejects (→ 503), and the pool discards the dead client.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
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
  if (opts.loadDataDir) {
    client = await PGlite.create({ loadDataDir: opts.loadDataDir, extensions: pgliteExtensions });
  } else if (opts.dataDir) {
    const dir = path.join(opts.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    client = await PGlite.create(dir, { extensions: pgliteExtensions });
  } else {
    client = await PGlite.create({ extensions: pgliteExtensions });
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
    close: () => client.close(),
  };
}
