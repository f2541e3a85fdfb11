// Every line the real server writes to stdout is pino JSON: request lines, the notification
// worker's "kept in the outbox" line (once a console.info in plain text), warnings of the payment
// and notification modules, and (PostgreSQL server) the cluster primary's lines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

function assertAllJson(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON log line: ${line}`);
    }
  });
}

describe('logs are pino JSON, every line', () => {
  let db: ServerDatabase;
  let server: ServerProcess;
  before(async () => {
    db = await serverDatabase();
    server = await startServer({ ...db.env, NOTIFY_INTERVAL_SECONDS: '1' });
  });
  after(async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await server.exited;
    await db.cleanup();
  });

  it('including the worker line for an email kept in the outbox', async () => {
    const email = 'json.logs@example.com';
    const reg = await fetch(`${server.base}/api/user/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Json Logs', email, password: 'json-logs-pass-1' }),
    });
    assert.equal(reg.status, 201);
    const forgot = await fetch(`${server.base}/api/user/forgot-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    assert.equal(forgot.status, 200);
    const kept = await server.waitForLine(/kept in the outbox/);
    const line = JSON.parse(kept) as { level: number; msg: string };
    assert.equal(line.level, 30);
    // the message's id, never its recipient or subject (personal data: LOG_LEVEL=debug only)
    assert.match(line.msg, /^email \w+ kept in the outbox \(no SMTP_URL\)$/);
    for (const personal of [email, 'Json Logs', 'Reset your Prescripto password']) {
      assert.ok(!server.lines.some((l) => l.includes(personal)), `"${personal}" is not logged`);
    }

    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
    const parsed = assertAllJson(server.lines);
    assert.ok(parsed.some((l) => l.msg === 'closed cleanly'));
    assert.ok(parsed.some((l) => typeof l.reqId === 'string'), 'request lines carry their request id');
  });
});

describe('cluster primary logs are pino JSON', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL: workers share a PostgreSQL server' }, () => {
  let db: ServerDatabase;
  let server: ServerProcess;
  before(async () => {
    db = await serverDatabase();
    server = await startServer({ ...db.env, WEB_CONCURRENCY: '2', NOTIFY_WORKER: 'false' });
  });
  after(async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await server.exited;
    await db.cleanup();
  });

  it('marks the primary\'s lines and keeps them JSON', async () => {
    const started = JSON.parse(await server.waitForLine(/workers on port/)) as { role?: string; level: number };
    assert.equal(started.role, 'primary');
    server.proc.kill('SIGTERM');
    await server.exited;
    assertAllJson(server.lines);
  });
});

describe('development logs: one line per request, probes left out', () => {
  let db: ServerDatabase;
  let server: ServerProcess;
  before(async () => {
    db = await serverDatabase();
    server = await startServer({ ...db.env, NODE_ENV: 'development', NOTIFY_WORKER: 'false' });
  });
  after(async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await server.exited;
    await db.cleanup();
  });

  it('prints method, path, status and time on one line, and nothing for /health', async () => {
    assert.equal((await fetch(`${server.base}/health`)).status, 200);
    assert.equal((await fetch(`${server.base}/api/doctor/list`, { headers: { 'x-request-id': 'dev-line-1' } })).status, 200);
    assert.equal((await fetch(`${server.base}/api/nowhere`)).status, 404);
    const line = await server.waitForLine(/GET \/api\/nowhere 404/);
    assert.match(line, /INFO.*: GET \/api\/nowhere 404 \d+ ms/);
    const list = server.lines.filter((l) => l.includes('/api/doctor/list'));
    assert.equal(list.length, 1, list.join('\n'));
    assert.match(list[0], /GET \/api\/doctor\/list 200 \d+ ms .*"reqId":"dev-line-1"/);
    assert.ok(!server.lines.some((l) => l.includes('/health')), 'health checks are not logged');
    assert.ok(!server.lines.some((l) => /incoming request|request completed/.test(l)), 'no two-part request blocks');
    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
  });
});
