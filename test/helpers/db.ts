// A fresh, migrated database for each test app. Creating one from nothing costs seconds, so a
// migrated template is built once per run (scripts/test-setup.ts) and cloned: on the embedded
// database a PGlite data directory copied file by file (PGlite then reads only the pages a test
// touches, instead of unpacking a 40 MB dump into memory), `CREATE DATABASE … TEMPLATE` on a
// PostgreSQL server.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, pgliteExtensions, type Database } from '../../src/db/client.js';
import { migrationFiles } from '../../src/db/migrate.js';
import { databaseUrlFromEnv } from './env.js';

const CACHE_DIR = path.resolve('.cache');

export function schemaHash(): string {
  const h = createHash('sha256');
  for (const f of migrationFiles()) h.update(f.name).update(f.sql);
  return h.digest('hex').slice(0, 12);
}

function templateDirPath(): string {
  return path.join(CACHE_DIR, `pglite-template-${schemaHash()}`);
}

function templatePath(): string {
  return path.join(CACHE_DIR, `pglite-template-${schemaHash()}.tar.gz`);
}

/**
 * Settings of the test databases' template. PostgreSQL's default 128 MB of shared buffers are
 * zeroed by PGlite at every start (a second of CPU per test database); a test database holds a few
 * megabytes. Production servers keep PGlite's defaults: this goes into the template only.
 */
const TEMPLATE_CONF = '\n# test template (test/helpers/db.ts)\nshared_buffers = 16MB\n';

/**
 * The migrated PGlite data directory (its `pgdata`) the test databases are copied from; built once
 * (the runner does this before the test files start) and kept in .cache/ until the migrations change.
 */
export async function ensurePgliteTemplateDir(): Promise<string> {
  const dir = templateDirPath();
  if (existsSync(dir)) return dir;
  mkdirSync(CACHE_DIR, { recursive: true });
  // templates of earlier migrations: 40 MB each, never used again
  for (const name of readdirSync(CACHE_DIR)) {
    if (/^pglite-template-[0-9a-f]{12}(\.tar\.gz)?$/.test(name)) rmSync(path.join(CACHE_DIR, name), { recursive: true, force: true });
  }
  const building = `${dir}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const db = await openDatabase({ dataDir: building });
  // a clean checkpoint: a copy starts without replaying the migrations' WAL
  await db.exec('CHECKPOINT');
  await db.close();
  appendFileSync(path.join(building, 'pgdata', 'postgresql.conf'), TEMPLATE_CONF);
  rmSync(path.join(building, 'server.lock'), { force: true });
  try {
    renameSync(path.join(building, 'pgdata'), dir);
  } catch {
    if (!existsSync(dir)) throw new Error(`could not install the test template at ${dir}`);
  } finally {
    rmSync(building, { recursive: true, force: true }); // another process may have won the race
  }
  return dir;
}

/**
 * Where a test's embedded database lives: in memory (/dev/shm) when the machine has one with room
 * to spare, so copying and removing 40 MB of files per test database costs no disk writes.
 */
export function scratchDir(prefix: string): string {
  let base = os.tmpdir();
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 2 * 1024 ** 3) base = '/dev/shm';
  } catch {
    /* no /dev/shm (macOS): the temp directory */
  }
  return mkdtempSync(path.join(base, prefix));
}

/**
 * Fills `dataDir` (a server's DATA_DIR) with a copy of the migrated template, as `dataDir/pgdata`:
 * a server or command started on it skips initdb and every migration.
 */
export async function seedPgliteDataDir(dataDir: string): Promise<void> {
  cpSync(await ensurePgliteTemplateDir(), path.join(dataDir, 'pgdata'), { recursive: true });
}

/**
 * The template as a gzip data-dir dump (PGlite's `loadDataDir`), for a test that wants an in-memory
 * copy. Built on first use from the template directory.
 */
export async function ensurePgliteTemplate(): Promise<string> {
  const file = templatePath();
  if (existsSync(file)) return file;
  const dir = scratchDir('prescripto-tpl-');
  try {
    await seedPgliteDataDir(dir);
    const lite = await PGlite.create(path.join(dir, 'pgdata'), { extensions: pgliteExtensions });
    const dump = await lite.dumpDataDir('gzip');
    await lite.close();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  const databaseUrl = databaseUrlFromEnv();
  if (!databaseUrl) {
    const dataDir = scratchDir('prescripto-db-');
    try {
      await seedPgliteDataDir(dataDir);
      const database = await openDatabase({ dataDir, migrate: false });
      return {
        database,
        drop: async () => {
          await database.close().catch(() => undefined);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
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
