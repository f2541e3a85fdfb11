// Databases for the scenarios, on the embedded database (a DATA_DIR per data set) or on the
// PostgreSQL server of DATABASE_URL (a database per data set). Large data sets are kept between
// runs (bench/.data, or databases named prescripto_bench_*) because seeding 1M rows takes minutes;
// the server migrates them at start like any existing database.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { bulkSeed, type BulkSizes } from '../../src/seed/bulk.js';
import { progressBar } from '../../src/seed/progress.js';

export const SEED_PASSWORD = 'bench-password-123';
export const TIME_ZONE = 'Asia/Kolkata';
const DATA_ROOT = path.resolve(import.meta.dirname, '..', '.data');

export interface DataSet extends BulkSizes {
  run: string;
  /** of every seeded account */
  password: string;
  /** environment that points the server at this data set */
  env: Record<string, string>;
  /** connection string (server mode) */
  url?: string;
  seedSeconds?: number;
  email(role: 'doctor' | 'patient', n: number): string;
  doctorId(n: number): string;
  patientId(n: number): string;
  drop(): Promise<void>;
}

interface Meta extends BulkSizes {
  run: string;
  seedSeconds: number;
  /** of every seeded account */
  password: string;
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

function dataSet(meta: Meta, env: Record<string, string>, drop: () => Promise<void>, url?: string): DataSet {
  return {
    ...meta,
    password: meta.password ?? SEED_PASSWORD,
    env,
    url,
    email: (role, n) => `${role}${n}.${meta.run}@seed.prescripto.local`,
    doctorId: (n) => `d0c70000${meta.run}${hex(n, 10)}`,
    patientId: (n) => `9a710000${meta.run}${hex(n, 10)}`,
    drop,
  };
}

async function seedInto(database: Database, sizes: BulkSizes, label: string): Promise<Meta> {
  const t0 = performance.now();
  const bar = progressBar();
  console.log(`seeding ${label}: ${sizes.doctors} doctors, ${sizes.patients} patients, ${sizes.appointments} appointments`);
  const r = await bulkSeed(database, {
    ...sizes,
    password: SEED_PASSWORD,
    timeZone: TIME_ZONE,
    currency: 'INR',
    now: new Date(),
    onProgress: (phase, done, total) => bar(phase, done, total),
  });
  return { ...sizes, run: r.run, password: SEED_PASSWORD, seedSeconds: Math.round((performance.now() - t0) / 100) / 10 };
}

const sizeName = (s: BulkSizes) => `d${s.doctors}_p${s.patients}_a${s.appointments}`;

/** A seeded data set; `keep` reuses (and keeps) one seeded by an earlier run. */
export async function prepare(databaseUrl: string | undefined, sizes: BulkSizes, opts: { keep: boolean; tag: string }): Promise<DataSet> {
  return databaseUrl ? prepareServer(databaseUrl, sizes, opts) : prepareEmbedded(sizes, opts);
}

async function prepareEmbedded(sizes: BulkSizes, { keep, tag }: { keep: boolean; tag: string }): Promise<DataSet> {
  const name = keep ? sizeName(sizes) : `${tag}-${Date.now().toString(36)}`;
  const dir = path.join(DATA_ROOT, name);
  const metaFile = path.join(dir, 'bench-meta.json');
  const drop = async () => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  if (keep && existsSync(metaFile)) return dataSet(JSON.parse(readFileSync(metaFile, 'utf8')) as Meta, { DATA_DIR: dir }, drop);
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const database = await openDatabase({ dataDir: building });
  let meta: Meta;
  try {
    meta = await seedInto(database, sizes, `embedded ${name}`);
  } finally {
    await database.close();
  }
  writeFileSync(path.join(building, 'bench-meta.json'), JSON.stringify(meta));
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir); // only a complete data set ever carries the final name
  return dataSet(meta, { DATA_DIR: dir }, drop);
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function prepareServer(databaseUrl: string, sizes: BulkSizes, { keep, tag }: { keep: boolean; tag: string }): Promise<DataSet> {
  const name = keep ? `prescripto_bench_${sizeName(sizes)}` : `prescripto_bench_${tag}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const url = withDb(databaseUrl, name);
  const drop = async () => {
    if (keep) return;
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  };
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (keep && exists) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const meta = (await c.query<{ meta: Meta }>('SELECT meta FROM bench_meta')).rows[0].meta;
      await c.end();
      return dataSet(meta, { DATABASE_URL: url }, drop, url);
    }
    const building = `${name}_building`;
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
    const database = await openDatabase({ databaseUrl: withDb(databaseUrl, building) });
    let meta: Meta;
    try {
      meta = await seedInto(database, sizes, `PostgreSQL ${name}`);
      await database.exec(`CREATE TABLE bench_meta (meta jsonb NOT NULL); INSERT INTO bench_meta VALUES ('${JSON.stringify(meta)}')`);
    } finally {
      await database.close();
    }
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    return dataSet(meta, { DATABASE_URL: url }, drop, url);
  } finally {
    await admin.end();
  }
}
