// Running `npm run import:mongo` / `export:mongo` as child processes on the configured database
// of a test: a fresh PostgreSQL test database when the suite runs on a server (DATABASE_URL), else a
// DATA_DIR holding a migrated embedded database. Under `npm test` the commands start from the bundle
// the runner builds for its child servers (TEST_SERVER_ENTRY; scripts/build.mjs puts the commands
// beside the server), which saves tsx transpiling every source file at each start; a file run
// outside the runner starts them through tsx from src/cli/.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../../src/db/client.js';
import { freshDatabase, scratchDir, seedPgliteDataDir, type TestDatabase } from '../../helpers/db.js';
import { testEnv } from '../../helpers/app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURE = path.join(ROOT, 'test/modules/migration/fixtures/prescripto-export');

export interface Target {
  env: Record<string, string | undefined>;
  /** the database as the test reads it (embedded: opened only while no command runs) */
  open(): Promise<Database>;
  release(db: Database): Promise<void>;
  drop(): Promise<void>;
}

/** A database for the commands: a PostgreSQL test database, or a DATA_DIR holding a migrated PGlite. */
export async function target(): Promise<Target> {
  const dataDir = scratchDir('prescripto-cli-');
  if (process.env.DATABASE_URL) {
    const testDb: TestDatabase = await freshDatabase();
    return {
      env: testEnv(dataDir, { DATABASE_URL: testDb.url }),
      open: async () => testDb.database,
      release: async () => undefined,
      drop: async () => {
        await testDb.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // the migrated template, unpacked where the command will find it (initdb would take seconds more)
  await seedPgliteDataDir(dataDir);
  return {
    env: testEnv(dataDir, { DATABASE_URL: undefined }),
    open: () => openDatabase({ dataDir, migrate: false }),
    release: (db) => db.close(),
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function command(script: 'import-mongo' | 'export-mongo', args: string[], env: Record<string, string | undefined>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const bundle = process.env.TEST_SERVER_ENTRY;
    const entry = bundle ? [path.join(path.dirname(bundle), `${script}.mjs`)] : ['--import', 'tsx', path.join(ROOT, `src/cli/${script}.ts`)];
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      // only what the test sets (an undefined value would reach the child as the text "undefined")
      env: Object.fromEntries(Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, any>;
export const countsOf = (s: Record<string, any>) =>
  Object.fromEntries(Object.entries(s.collections as Record<string, any>).map(([c, r]) => [c, [r.read, r.imported, r.updated, r.unchanged, r.rejected]]));
