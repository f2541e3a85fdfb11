// The PostgreSQL pool lends the same few connections out again and again: what it adds to a
// connection for a transaction (the guard on its statements) must not pile up with every checkout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/db/client.js';
import { databaseUrlFromEnv } from '../helpers/env.js';

const databaseUrl = databaseUrlFromEnv();

describe('pool checkouts', { skip: databaseUrl ? false : 'needs DATABASE_URL: the embedded database has no pool' }, () => {
  it('guards a connection once, however often it is lent out, and its first statement after each checkout', async () => {
    const database = await openDatabase({ databaseUrl, poolSize: 1, migrate: false });
    try {
      const pool = database.pool!;
      const first = await pool.connect();
      const guard = first.query;
      first.release();
      for (let i = 0; i < 50; i++) {
        const client = await pool.connect();
        try {
          assert.equal(client, first, 'a pool of one lends the same connection');
          assert.equal(client.query, guard, 'no new layer per checkout');
          await client.query('BEGIN');
          await client.query('ROLLBACK');
        } finally {
          client.release();
        }
      }
      // Drizzle's transactions on the same connection still work, and so does a plain statement
      const rows = await database.db.transaction(async (tx) => ((await tx.execute('SELECT 1 AS one')) as unknown as { rows: unknown[] }).rows);
      assert.deepEqual(rows, [{ one: 1 }]);
      assert.deepEqual(await database.query('SELECT 2 AS two'), [{ two: 2 }]);
    } finally {
      await database.close();
    }
  });
});
