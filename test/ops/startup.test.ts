// Starting the real server (`node src/server.ts`) with something wrong: every such start stops with
// one line on stderr naming the setting and what is wrong, exit code 1, no stack trace, and nothing
// left running; and a busy port is reported before the database is opened.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, runToExit, type FailedStart } from '../helpers/server-process.js';

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
  const results = new Map<number, Promise<FailedStart>>();
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-startup-'));
    // a few starts at a time: each one is a process of its own
    let next = 0;
    const slots: Promise<void>[] = [];
    const waiters = CASES.map(() => {
      let resolve!: (r: FailedStart) => void;
      return { promise: new Promise<FailedStart>((r) => (resolve = r)), resolve };
    });
    CASES.forEach((_, i) => results.set(i, waiters[i].promise));
    for (let k = 0; k < 4; k++) {
      slots.push((async () => {
        while (next < CASES.length) {
          const i = next++;
          waiters[i].resolve(await runToExit({ DATA_DIR: dataDir, ...CASES[i][1] }));
        }
      })());
    }
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  CASES.forEach(([setting, env, what], i) => {
    it(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`, async () => {
      assertOneLineRefusal(await results.get(i)!, setting, what);
    });
  });

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
