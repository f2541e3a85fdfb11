// Read replicas (DATABASE_READ_URLS, db/read-router.ts) on a real primary and hot standby made here
// with initdb and pg_basebackup (test/helpers/pg-cluster.ts), so this runs in both suite runs: lag-
// tolerant reads go to the replica, a person's reads see their own writes even while the replica
// stands still, a replica too far behind or stopped is skipped and /ready says so, and the API keeps
// answering from the primary.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { buildApp, type App } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isPlainRead, openDatabase } from '../../src/db/client.js';
import { parseLsn, pickReplica, replicaState, type ReplicaView } from '../../src/db/read-router.js';
import { bearer, createDoctor, futureSlot, get, json, post, registerPatient, testEnv } from '../helpers/app.js';
import { createPgCluster, type PgCluster } from '../helpers/pg-cluster.js';

describe('WAL positions and the choice of a replica', () => {
  it('orders positions like PostgreSQL does', () => {
    assert.equal(parseLsn('0/0'), 0n);
    assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
    assert.ok(parseLsn('1/0') > parseLsn('0/FFFFFFFF'));
    assert.ok(parseLsn('0/A') > parseLsn('0/9'), 'hex, not decimal text');
    assert.throws(() => parseLsn('nonsense'));
  });

  it('takes the next current replica round-robin, and none that is behind, lagging or down', () => {
    const r = (state: ReplicaView['state'], at: string): ReplicaView => ({ state, replayLsn: parseLsn(at) });
    const three = [r('ok', '0/100'), r('ok', '0/200'), r('ok', '0/300')];
    assert.equal(pickReplica(three, 0n, 0), 0);
    assert.equal(pickReplica(three, 0n, 1), 1);
    assert.equal(pickReplica(three, 0n, 5), 2);
    // must see 0/250: only the third has replayed that far
    assert.equal(pickReplica(three, parseLsn('0/250'), 0), 2);
    assert.equal(pickReplica(three, parseLsn('0/300'), 0), 2, 'a replica exactly at the position has it');
    assert.equal(pickReplica(three, parseLsn('0/301'), 0), undefined);
    assert.equal(pickReplica([r('lagging', '0/900'), r('down', '0/900'), r('ok', '0/50')], parseLsn('0/60'), 0), undefined);
    assert.equal(pickReplica([], 0n, 0), undefined);
  });

  it('lets only plain reads leave the primary', () => {
    assert.ok(isPlainRead('select "id" from "doctors" where "id" = $1'));
    assert.ok(isPlainRead({ text: '  WITH x AS (SELECT 1) SELECT * FROM x' }));
    assert.ok(isPlainRead('SELECT updated_at, deleted FROM patients'), 'column names are not keywords');
    for (const write of ['insert into "appointments" values ($1)', 'BEGIN', 'update patients set name = $1', 'WITH d AS (DELETE FROM x RETURNING id) SELECT * FROM d', 'SELECT * FROM appointments WHERE id = $1 FOR UPDATE', 'SELECT * FROM doctors FOR SHARE', "SELECT nextval('s')", 'COMMIT']) {
      assert.equal(isPlainRead(write), false, write);
    }
  });

  it('reads DATABASE_READ_URLS as a list of PostgreSQL URLs, and only beside DATABASE_URL', () => {
    const env = { NODE_ENV: 'test', DATABASE_URL: 'postgres://app@primary/db' };
    assert.deepEqual(loadConfig({ ...env, DATABASE_READ_URLS: ' postgres://app@r1/db, postgres://app@r2:6432/db ,' }).databaseReadUrls, ['postgres://app@r1/db', 'postgres://app@r2:6432/db']);
    assert.deepEqual(loadConfig(env).databaseReadUrls, []);
    assert.throws(() => loadConfig({ NODE_ENV: 'test', DATABASE_READ_URLS: 'postgres://app@r1/db' }), ConfigError);
    assert.throws(() => loadConfig({ ...env, DATABASE_READ_URLS: 'mysql://r1/db' }), ConfigError);
  });

  it('calls a replica down when unreachable or promoted, lagging beyond the limit', () => {
    assert.equal(replicaState(undefined, 1000), 'down');
    assert.equal(replicaState({ inRecovery: false, lagMs: 0 }, 1000), 'down');
    assert.equal(replicaState({ inRecovery: true, lagMs: 1000 }, 1000), 'ok');
    assert.equal(replicaState({ inRecovery: true, lagMs: 1001 }, 1000), 'lagging');
  });
});

describe('read replicas on a real primary and hot standby', () => {
  let cluster: PgCluster;
  let app: App;
  let dataDir: string;
  let replicaSql: pg.Client;
  const MAX_LAG_MS = 1000;

  before(async () => {
    cluster = await createPgCluster(1);
    const setup = new pg.Client({ connectionString: cluster.primary.url('postgres') });
    await setup.connect();
    await setup.query('CREATE DATABASE prescripto');
    await setup.end();
    const migrated = await openDatabase({ databaseUrl: cluster.primary.url('prescripto') });
    await migrated.close();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-replicas-'));
    const config = loadConfig(
      testEnv(dataDir, {
        DATABASE_URL: cluster.primary.url('prescripto'),
        DATABASE_READ_URLS: cluster.replicas[0].url('prescripto'),
        REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
        REPLICA_CHECK_MS: '100',
      }),
    );
    app = await buildApp(config);
    await app.ready();
    await app.ctx.admin.bootstrap();
    replicaSql = new pg.Client({ connectionString: cluster.replicas[0].url('prescripto') });
    await replicaSql.connect();
  });

  after(async () => {
    await replicaSql?.end().catch(() => undefined);
    await app?.close();
    cluster?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const reads = async (target: 'replica' | 'primary') => {
    const m = new RegExp(`^db_reads_total\\{target="${target}"\\} (\\d+)`, 'm').exec(await app.ctx.metrics.scrape());
    return m ? Number(m[1]) : 0;
  };
  const replicaOf = async () => {
    const res = await get(app, '/ready');
    return { status: res.statusCode, body: json(res), replica: json<{ replicas: Array<{ state: string; lagMs?: number }> }>(res).replicas[0] };
  };
  /** Polls (the router checks every 100 ms) until the replica is in `state`. */
  const until = async (state: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await app.ctx.reads.check();
      const r = await replicaOf();
      if (r.replica.state === state) return r;
      if (Date.now() > deadline) throw new Error(`replica still ${r.replica.state}, expected ${state}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  /** Waits until the replica has replayed everything the primary has written so far. */
  const caughtUp = async () => {
    const [{ lsn }] = await app.ctx.database.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await replicaSql.query<{ at: string }>('SELECT pg_last_wal_replay_lsn()::text AS at');
      if (parseLsn(rows[0].at) >= parseLsn(lsn)) break;
      if (Date.now() > deadline) throw new Error('replica did not catch up');
      await new Promise((res) => setTimeout(res, 50));
    }
    await app.ctx.reads.check();
  };

  it('sends the doctor list, profiles and dashboards to the replica', async () => {
    const doctor = await createDoctor(app, { name: 'Dr. Replica' });
    await caughtUp();
    assert.equal((await replicaOf()).replica.state, 'ok');
    const before = await reads('replica');
    const list = await get(app, '/api/doctor/list');
    assert.equal(list.statusCode, 200);
    assert.ok(json(list).doctors.some((d: { name: string }) => d.name === 'Dr. Replica'));
    const dash = await get(app, '/api/doctor/dashboard', bearer(doctor.token));
    assert.equal(dash.statusCode, 200, dash.body);
    assert.ok((await reads('replica')) > before, 'reads were answered by the replica');
    // a write request's reads (the booking checks the doctor, the patient, the hours) stay on the primary
    const patient = await registerPatient(app);
    const replicaBefore = await reads('replica');
    const booked = await post(app, '/api/user/book-appointment', { docId: doctor.id, ...futureSlot(1, 3) }, bearer(patient.token));
    assert.equal(booked.statusCode, 201, booked.body);
    assert.equal(await reads('replica'), replicaBefore);
  });

  it('a person reads their own write while the replica stands still', async () => {
    const patient = await registerPatient(app);
    await caughtUp();
    await replicaSql.query('SELECT pg_wal_replay_pause()');
    try {
      const updated = await post(app, '/api/user/update-profile', { name: 'Written On Primary', phone: '9876543210' }, bearer(patient.token));
      assert.equal(updated.statusCode, 200, updated.body);
      // the replica has not replayed it: reading there would miss it
      const onReplica = await replicaSql.query<{ name: string }>('SELECT name FROM patients WHERE email = $1', [patient.email]);
      assert.notEqual(onReplica.rows[0]?.name, 'Written On Primary');
      const primaryBefore = await reads('primary');
      const profile = await get(app, '/api/user/get-profile', bearer(patient.token));
      assert.equal(profile.statusCode, 200);
      assert.equal(json(profile).userData.name, 'Written On Primary');
      assert.ok((await reads('primary')) > primaryBefore, 'the patient read from the primary');
    } finally {
      await replicaSql.query('SELECT pg_wal_replay_resume()');
    }
    // once replayed, the same read goes to the replica again
    await caughtUp();
    const replicaBefore = await reads('replica');
    const again = await get(app, '/api/user/get-profile', bearer(patient.token));
    assert.equal(json(again).userData.name, 'Written On Primary');
    assert.ok((await reads('replica')) > replicaBefore);
  });

  it('skips a replica further behind than REPLICA_MAX_LAG_MS, and /ready says so', async () => {
    await caughtUp();
    await replicaSql.query('SELECT pg_wal_replay_pause()');
    try {
      // a write the paused replica receives but does not replay: it falls behind from now on
      await createDoctor(app, { name: 'Dr. Behind' });
      const ready = await until('lagging');
      assert.equal(ready.status, 200, 'a lagging replica does not make the API unready');
      assert.equal(ready.body.status, 'degraded');
      assert.ok((ready.replica.lagMs ?? 0) > MAX_LAG_MS);
      const replicaBefore = await reads('replica');
      const list = await get(app, '/api/doctor/list');
      assert.equal(list.statusCode, 200);
      assert.ok(json(list).doctors.some((d: { name: string }) => d.name === 'Dr. Behind'), 'answered from the primary, with the latest write');
      assert.equal(await reads('replica'), replicaBefore);
    } finally {
      await replicaSql.query('SELECT pg_wal_replay_resume()');
    }
    await until('ok');
  });

  it('keeps answering from the primary while the replica is stopped, and /ready reports it down', async () => {
    const patient = await registerPatient(app);
    await caughtUp();
    await replicaSql.end();
    cluster.replicas[0].stop('immediate');
    try {
      // before the next check notices: the read fails on the replica and is answered by the primary
      const profile = await get(app, '/api/user/get-profile', bearer(patient.token));
      assert.equal(profile.statusCode, 200, profile.body);
      const ready = await until('down');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.database, 'up');
      const list = await get(app, '/api/doctor/list');
      assert.equal(list.statusCode, 200);
    } finally {
      cluster.replicas[0].start();
      replicaSql = new pg.Client({ connectionString: cluster.replicas[0].url('prescripto') });
      await replicaSql.connect();
    }
    await until('ok');
  });
});
