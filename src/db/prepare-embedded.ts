// A new embedded database is created and migrated in a child process, and the server then opens
// the finished files. PGlite's WebAssembly heap never shrinks: creating the cluster (initdb) and
// running every migration in the serving process would leave it well over a hundred megabytes
// larger for as long as it runs than a server started on an existing database.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../lib/errors.js';
import { openDatabase, type EmbeddedSettings } from './client.js';
import { runMigrations } from './migrate.js';

/** The command-line flag that makes the server entry point prepare DATA_DIR and exit. */
export const PREPARE_FLAG = '--prepare-embedded-database';

/** Whether DATA_DIR holds no database yet (PostgreSQL writes PG_VERSION when it creates one). */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'));
}

/** Runs this same entry point with PREPARE_FLAG (same Node options, environment and output) and waits. */
export async function prepareInChildProcess(): Promise<void> {
  const entry = process.argv[1];
  const child = spawn(process.execPath, [...process.execArgv, entry, PREPARE_FLAG], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new StartupError('the new embedded database in DATA_DIR could not be created (see above)');
}

/** The child's work: create the database files in `dataDir` and migrate them. */
export async function prepareEmbedded(dataDir: string, embedded: EmbeddedSettings): Promise<void> {
  const database = await openDatabase({ dataDir, embedded, migrate: false });
  try {
    await runMigrations(database);
  } finally {
    await database.close();
  }
}
