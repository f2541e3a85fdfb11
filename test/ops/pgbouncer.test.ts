// Behind PgBouncer in transaction mode a connection is lent per transaction, so nothing may rely on
// session state: the migrations' lock is transaction-level, the booking locks are
// pg_advisory_xact_lock, no session SET, and named prepared statements off (DB_PREPARED_STATEMENTS=false,
// as docs/operations.md says for PgBouncer before 1.21). Two real servers start together on an empty
// database through a PgBouncer whose pool is smaller than theirs (connections really are shared
// between transactions), migrate it once, and keep one winner per slot. A third server left with
// named statements on turns them off by itself after the first one that fails, and says so once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrationFiles } from '../../src/db/migrate.js';
import { doctorFields, form, futureSlot, pngBytes } from '../helpers/app.js';
import { databaseUrlFromEnv, redisUrlFromEnv } from '../helpers/env.js';
import { startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js';
import { CHILD_ADMIN, startServer, type ServerProcess } from '../helpers/server-process.js';

describe('through PgBouncer in transaction mode', { skip: databaseUrlFromEnv() ? false : 'needs DATABASE_URL: PgBouncer pools a PostgreSQL server' }, () => {
  const dbName = `prescripto_pgb_${process.pid}_${Date.now().toString(36)}`;
  const admin = () => {
    const u = new URL(databaseUrlFromEnv()!);
    u.pathname = '/postgres';
    return new pg.Client({ connectionString: u.toString() });
  };
  let dir: string;
  let bouncer: PgBouncer | undefined;
  let servers: ServerProcess[] = [];

  before(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE "${dbName}"`);
    await c.end();
    const server = new URL(databaseUrlFromEnv()!);
    dir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-pgbouncer-'));
    // fewer server connections than the two servers' pools (10 each): transactions share them
    bouncer = await startPgBouncer({ dir, host: server.hostname, port: Number(server.port) || 5432, database: dbName, user: decodeURIComponent(server.username), poolSize: 4 });
    const url = bouncer.url;
    // both start together on the empty database: one migrates, the other waits for it
    // one deployment: with REDIS_URL both share its key prefix (revocations reach each other at once)
    const shared: Record<string, string> = redisUrlFromEnv() ? { REDIS_PREFIX: `pgb${process.pid}:` } : {};
    servers = await Promise.all([0, 1].map(() => startServer({ DATABASE_URL: url, DATA_DIR: mkdtempSync(path.join(dir, 'data-')), NOTIFY_WORKER: 'false', DB_PREPARED_STATEMENTS: 'false', ...shared })));
  });

  after(async () => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    await bouncer?.stop();
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await c.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (s: ServerProcess, method: string, url: string, body?: unknown, token?: string) => {
    const res = await fetch(`${s.base}${url}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
      body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('two servers starting together apply every migration exactly once', async () => {
    const direct = new URL(databaseUrlFromEnv()!);
    direct.pathname = `/${dbName}`;
    const db = new pg.Client({ connectionString: direct.toString() });
    await db.connect();
    const rows = (await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
    await db.end();
    assert.deepEqual(rows, migrationFiles().map((f) => f.name));
  });

  it('bookings through both servers keep one winner per slot, and sessions work', async () => {
    const [a, b] = servers;
    const login = await call(a, 'POST', '/api/admin/login', CHILD_ADMIN);
    assert.equal(login.status, 200);
    const added = await call(a, 'POST', '/api/admin/add-doctor', form(doctorFields(), { bytes: await pngBytes() }), login.body.token);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const docId = added.body.doctor._id as string;
    const tokens = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const r = await call(i % 2 ? a : b, 'POST', '/api/user/register', { name: `Pooled ${i}`, email: `pooled.${i}.${Date.now()}@example.com`, password: 'a-long-password-1' });
        assert.equal(r.status, 201);
        return r.body.token as string;
      }),
    );
    // twelve patients race for one time through both servers
    const slot = futureSlot(3, 3);
    const race = await Promise.all(tokens.map((t, i) => call(i % 2 ? a : b, 'POST', '/api/user/book-appointment', { docId, ...slot }, t)));
    assert.equal(race.filter((r) => r.status < 300).length, 1, JSON.stringify(race.map((r) => r.status)));
    assert.ok(race.every((r) => r.status < 300 || r.status === 409));
    // and each books a time of their own
    const own = await Promise.all(tokens.map((t, i) => call(i % 2 ? a : b, 'POST', '/api/user/book-appointment', { docId, ...futureSlot(20 + i, 3) }, t)));
    assert.deepEqual(own.map((r) => r.status < 300), tokens.map(() => true));
    // a logout on one server is in force on the other
    assert.equal((await call(a, 'POST', '/api/user/logout', {}, tokens[0])).status, 200);
    assert.equal((await call(b, 'GET', '/api/user/appointments', undefined, tokens[0])).status, 401);
    assert.equal((await call(b, 'GET', '/api/user/appointments', undefined, tokens[1])).status, 200);
  });

  it('a server left with named prepared statements on turns them off after the first that fails, says so once, and serves on', async () => {
    const shared: Record<string, string> = redisUrlFromEnv() ? { REDIS_PREFIX: `pgb${process.pid}:` } : {};
    const c = await startServer({ DATABASE_URL: bouncer!.url, DATA_DIR: mkdtempSync(path.join(dir, 'data-')), NOTIFY_WORKER: 'false', ...shared });
    servers.push(c);
    const r = await call(c, 'POST', '/api/user/register', { name: 'Named statements', email: `named.${Date.now()}@example.com`, password: 'a-long-password-1' });
    assert.equal(r.status, 201);
    const token = r.body.token as string;
    const warned = () => c.lines.filter((l) => l.includes('named prepared statements turned off')).length;
    // bursts of reads on several of the server's connections, which PgBouncer lends different
    // backends: a statement named on one is soon missing (or already there) on another
    const statuses: number[] = [];
    for (let burst = 0; burst < 20 && warned() === 0; burst++) {
      statuses.push(...(await Promise.all(Array.from({ length: 8 }, () => call(c, 'GET', '/api/user/appointments', undefined, token)))).map((x) => x.status));
    }
    assert.equal(warned(), 1, `no warning after ${statuses.length} requests: ${JSON.stringify(statuses)}`);
    const line = JSON.parse(c.lines.find((l) => l.includes('named prepared statements turned off'))!) as { level: number; msg: string };
    assert.equal(line.level, 40);
    assert.match(line.msg, /SQLSTATE (26000|42P05).*DB_PREPARED_STATEMENTS=false/);
    // from now on every statement runs unnamed
    const later = await Promise.all(Array.from({ length: 24 }, () => call(c, 'GET', '/api/user/appointments', undefined, token)));
    assert.deepEqual(later.map((x) => x.status), later.map(() => 200));
    assert.equal(warned(), 1, 'said once');
  });
});
