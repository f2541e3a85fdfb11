// Starting the real server (`node src/server.ts`) with something wrong: every such start stops with
// one line on stderr naming the setting and what is wrong, exit code 1, no stack trace, and nothing
// left running. Also: one server per data directory (a lock in DATA_DIR, taken over after kill -9),
// a busy port reported before the database is opened, and production's safe defaults.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, runToExit, serverDatabase, startServer, type FailedStart, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

function assertOneLineRefusal(r: FailedStart, setting: string, what: RegExp): void {
  const all = `${r.stderr}${r.stdout}`;
  assert.equal(r.signal, null, `the start must stop by itself (it hung):\n${all}`);
  assert.equal(r.code, 1, all);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].includes(setting), `the line names ${setting}: ${lines[0]}`);
  assert.match(lines[0], what);
  assert.doesNotMatch(all, /^\s+at /m, 'no stack trace');
}

// [setting, environment, what the line must say]
const CASES: [string, Record<string, string>, RegExp][] = [
  ['DATABASE_URL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/prescripto' }, /cannot reach the PostgreSQL server at 127\.0\.0\.1:1/],
  ['DATABASE_URL', { DATABASE_URL: 'not-a-url' }, /must be a URL/],
  ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }, /must be one of .*info.*"verbose"/],
  ['HOST', { HOST: '999.1.1.1' }, /must be an IP address or a host name/],
  ['TRUST_PROXY', { TRUST_PROXY: 'maybe' }, /"maybe"/],
  ['OPS_PORT', { OPS_PORT: '{PORT}' }, /must differ from PORT/],
  ['DATA_DIR', { DATA_DIR: '/dev/null/prescripto' }, /cannot be created or written \(ENOTDIR\)/],
  ['DATA_DIR', { DATA_DIR: '/proc/prescripto-data' }, /cannot be created or written/],
  ['WORKING_HOURS', { WORKING_HOURS: '1-5 10:00-13:00,12:00-14:00' }, /overlaps/],
  ['WORKING_HOURS', { WORKING_HOURS: '1-5 10:75-12:00' }, /minutes 0-59/],
  ['PUBLIC_URL', { PUBLIC_URL: 'api.example.com' }, /must be a URL|must start with/],
  ['FRONTEND_URL', { FRONTEND_URL: 'app.example.com' }, /must be a URL|must start with/],
  ['SMTP_URL', { SMTP_URL: 'mail.example.com' }, /must be a URL|must start with/],
  ['RAZORPAY_API_BASE', { RAZORPAY_API_BASE: 'razorpay' }, /must be a URL/],
  ['MAIL_FROM', { MAIL_FROM: 'Prescripto' }, /must be an email address/],
  ['ADMIN_EMAIL', { ADMIN_EMAIL: 'admin' }, /must be an email address/],
  ['CURRENCY', { CURRENCY: 'XYZ' }, /ISO 4217/],
  ['CLOUDINARY_API_KEY', { CLOUDINARY_NAME: 'demo-cloud' }, /must be set too/],
  ['RAZORPAY_KEY_SECRET', { RAZORPAY_KEY_ID: 'rzp_test_123' }, /must be set too/],
  // production refuses the public default admin password, a short one, and none at all
  ['ADMIN_PASSWORD', { ADMIN_PASSWORD: 'admin-password-change-me' }, /at least 12 characters other than the default/],
  ['ADMIN_PASSWORD', { ADMIN_PASSWORD: 'short-pw' }, /at least 12 characters/],
  ['ADMIN_PASSWORD', { ADMIN_PASSWORD: '' }, /at least 12 characters/],
];

describe('start-up errors: one line naming the setting, exit 1', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-startup-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  for (const [setting, env, what] of CASES) {
    it(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`, async () => {
      assertOneLineRefusal(await runToExit({ DATA_DIR: dataDir, ...env }), setting, what);
    });
  }

  it('a busy port is reported before the database is opened', async () => {
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'prescripto-busy-'));
    try {
      const r = await runToExit({ DATA_DIR: fresh }, { port });
      assertOneLineRefusal(r, 'PORT', new RegExp(`PORT ${port} is already in use`));
      assert.deepEqual(readdirSync(fresh), [], 'nothing was opened or created in DATA_DIR');
    } finally {
      holder.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('one server per data directory', { skip: process.env.DATABASE_URL ? 'the lock guards the embedded database; with DATABASE_URL several servers share PostgreSQL by design' : false }, () => {
  let db: ServerDatabase;
  let first: ServerProcess;
  let second: ServerProcess | undefined;
  before(async () => {
    db = await serverDatabase();
    first = await startServer(db.env);
  });
  after(async () => {
    for (const s of [first, second]) if (s && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    await db.cleanup();
  });

  it('refuses a second server on the same DATA_DIR, and takes over the lock of a server killed with -9', async () => {
    const reg = await fetch(`${first.base}/api/user/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Lock Tester', email: 'lock.tester@example.com', password: 'lock-tester-pass-1' }),
    });
    assert.equal(reg.status, 201);
    const refused = await runToExit(db.env);
    assertOneLineRefusal(refused, 'DATA_DIR', new RegExp(`is in use by another server \\(pid ${first.proc.pid}\\)`));
    assert.equal((await fetch(`${first.base}/health`)).status, 200, 'the first server is untouched');

    first.proc.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(path.join(db.dataDir, 'server.lock')), 'kill -9 leaves the lock behind');
    second = await startServer(db.env);
    const login = await fetch(`${second.base}/api/user/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lock.tester@example.com', password: 'lock-tester-pass-1' }),
    });
    assert.equal(login.status, 200, 'the patient the first server registered is there');
    second.proc.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
    assert.ok(!existsSync(path.join(db.dataDir, 'server.lock')), 'a clean exit releases the lock');
  });
});

describe('production defaults', () => {
  let db: ServerDatabase;
  let server: ServerProcess;
  before(async () => {
    db = await serverDatabase();
    // SEED_DEMO, FRONTEND_URL, OPS_PORT and OPS_TOKEN unset
    server = await startServer({ ...db.env, SEED_DEMO: '' });
  });
  after(async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await server.exited;
    await db.cleanup();
  });

  it('seeds no demo doctors unless SEED_DEMO=true', async () => {
    const list = (await (await fetch(`${server.base}/api/doctor/list`)).json()) as { doctors: unknown[] };
    assert.deepEqual(list.doctors, []);
  });

  it('refuses cross-origin calls without FRONTEND_URL, and says so at start', async () => {
    const line = JSON.parse(await server.waitForLine(/CORS:/)) as { msg: string };
    assert.match(line.msg, /cross-origin calls are refused \(FRONTEND_URL is not set/);
    const evil = await fetch(`${server.base}/api/doctor/list`, { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.match(((await evil.json()) as { message: string }).message, /FRONTEND_URL/);
    const preflight = await fetch(`${server.base}/api/user/login`, {
      method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
    // the app served by this server is same-origin: its calls carry this origin and pass
    const same = await fetch(`${server.base}/api/doctor/list`, { headers: { origin: server.base } });
    assert.equal(same.status, 200);
    // and clients that are no browser send no Origin at all
    assert.equal((await fetch(`${server.base}/api/doctor/list`)).status, 200);
  });

  it('serves /metrics only on OPS_PORT or with OPS_TOKEN, and says so at start', async () => {
    const line = JSON.parse(await server.waitForLine(/\/metrics/)) as { msg: string };
    assert.match(line.msg, /\/metrics is not served: set OPS_PORT .* or OPS_TOKEN/);
    assert.equal((await fetch(`${server.base}/metrics`)).status, 404);
    assert.equal((await fetch(`${server.base}/health`)).status, 200);
  });
});
