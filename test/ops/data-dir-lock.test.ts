// One server per data directory: a second server on the same DATA_DIR refuses to start (a lock
// in DATA_DIR), and the lock of a server killed with -9 does not keep the next one out.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runToExit, serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

function assertRefusal(r: { code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }, what: RegExp): void {
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], what);
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at /m);
}

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
    assertRefusal(refused, new RegExp(`is in use by another server \\(pid ${first.proc.pid}\\)`));
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

