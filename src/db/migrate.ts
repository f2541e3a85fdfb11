// Applies src/db/migrations/*.sql in file-name order, each once. Embedded: each in its own
// transaction. On a PostgreSQL server: all pending ones in one transaction, under a
// transaction-level advisory lock that keeps several starting instances from racing.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

/** What the migrations need of an open database (client.ts's Database has it): the driver's handle. */
export interface MigrationTarget {
  kind: 'pglite' | 'pg';
  pool?: pg.Pool;
  pglite?: PGlite;
}

export const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

const LOCK_ID = 7_270_001;

export function migrationFiles(): { name: string; sql: string }[] {
  return readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(migrationsDir, name), 'utf8') }));
}

export async function runMigrations(database: MigrationTarget): Promise<string[]> {
  const files = migrationFiles();
  const applied: string[] = [];
  if (database.kind === 'pg' && database.pool) {
    // One transaction under a transaction-level advisory lock: several instances starting together
    // migrate once, and nothing outlives the transaction (no session lock), so it works through
    // PgBouncer in transaction mode too. A failing migration rolls back the whole upgrade.
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
        );
        const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
        for (const f of files) {
          if (done.has(f.name)) continue;
          try {
            await client.query(f.sql);
          } catch (err) {
            throw new Error(`migration ${f.name} failed: ${(err as Error).message}`, { cause: err });
          }
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f.name]);
          applied.push(f.name);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
    return applied;
  }
  const pgl = database.pglite!;
  await pgl.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set((await pgl.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  for (const f of files) {
    if (done.has(f.name)) continue;
    try {
      await pgl.transaction(async (tx) => {
        await tx.exec(f.sql);
        await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f.name]);
      });
    } catch (err) {
      throw new Error(`migration ${f.name} failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(f.name);
  }
  return applied;
}
