// A fresh, migrated database for each test app. Creating one from nothing costs seconds, so a
// migrated template is built once per run (scripts/test-setup.ts) and cloned: a PGlite data-dir
// dump on the embedded database, `CREATE DATABASE … TEMPLATE` on a PostgreSQL server.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrationFiles } from '../../src/db/migrate.js';

const CACHE_DIR = path.resolve('.cache');

export function schemaHash(): string {
  const h = createHash('sha256');
  for (const f of migrationFiles()) h.update(f.name).update(f.sql);
  return h.digest('hex').slice(0, 12);
}

function templatePath(): string {
  return path.join(CACHE_DIR, `pglite-template-${schemaHash()}.tar.gz`);
}

/** Builds the PGlite template if missing (the runner does this once before the test files start). */
export async function ensurePgliteTemplate(): Promise<string> {
  const file = templatePath();
  if (existsSync(file)) return file;
  mkdirSync(CACHE_DIR, { recursive: true });
  const db = await openDatabase({});
  const dump = await db.pglite!.dumpDataDir('gzip');
  await db.close();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, file);
  return file;
}

function serverUrl(databaseUrl: string, dbName: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

function baseName(databaseUrl: string): string {
  return new URL(databaseUrl).pathname.replace(/^\//, '') || 'postgres';
}

export const templateDbName = (databaseUrl: string) => `${baseName(databaseUrl)}_tpl_${schemaHash()}`.slice(0, 60);

/** Builds the PostgreSQL template database if missing. */
export async function ensurePgTemplate(databaseUrl: string): Promise<string> {
  const name = templateDbName(databaseUrl);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_b${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE "${building}"`);
      const db = await openDatabase({ databaseUrl: serverUrl(databaseUrl, building), poolSize: 1 });
      await db.close();
      try {
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      } catch {
        await admin.query(`DROP DATABASE IF EXISTS "${building}"`); // another process won the race
      }
    }
  } finally {
    await admin.end();
  }
  return name;
}

export interface TestDatabase {
  database: Database;
  /** connection string of this test's own database (server mode), e.g. for a second app instance */
  url?: string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const dump = readFileSync(await ensurePgliteTemplate());
    const database = await openDatabase({ loadDataDir: new Blob([new Uint8Array(dump)]), migrate: false });
    return { database, drop: async () => database.close().catch(() => undefined) };
  }
  const tpl = await ensurePgTemplate(databaseUrl);
  const name = `${baseName(databaseUrl)}_t${randomBytes(5).toString('hex')}`.slice(0, 60);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`);
  await admin.end();
  const url = serverUrl(databaseUrl, name);
  const database = await openDatabase({ databaseUrl: url, migrate: false });
  return {
    database,
    url,
    drop: async () => {
      await database.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}
