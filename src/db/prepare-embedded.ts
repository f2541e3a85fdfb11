// A new embedded database is created and migrated in a child process, and the server then opens
// the finished files. PGlite's WebAssembly heap never shrinks: creating the cluster (initdb) and
// running every migration in the serving process would leave it well over a hundred megabytes
// larger for as long as it runs than a server started on an existing database.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type EmbeddedSettings } from './client.js';
import { runMigrations } from './migrate.js';

/** The command-line flag that makes the server entry point prepare DATA_DIR and exit. */
export const PREPARE_FLAG = '--prepare-embedded-database';

/**
 * Whether DATA_DIR holds no database yet (PostgreSQL writes PG_VERSION when it creates one) and can
 * hold one. A directory that cannot be created or written is left to the serving process, whose
 * open reports it in one line as for any other start.
 */
export function isNewDataDir(dataDir: string): boolean {
  if (existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'))) return false;
  // nothing is created here (a recursive mkdir under /proc never returns on Node 20): the child
  // opens the directory as the server would and reports a problem in the same words
  const existing = existsSync(dataDir) ? dataDir : path.dirname(dataDir);
  try {
    accessSync(existing, constants.W_OK);
    return statSync(existing).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Runs this same entry point with PREPARE_FLAG (same Node options, environment and output) and waits.
 * A child that fails has said why on stderr in the server's one line; this process then ends with
 * its exit code, nothing opened yet, so the line is not repeated.
 */
export async function prepareInChildProcess(): Promise<void> {
  const entry = process.argv[1];
  const child = spawn(process.execPath, [...process.execArgv, entry, PREPARE_FLAG], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) process.exit(code ?? 1);
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
