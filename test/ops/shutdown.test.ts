// Graceful shutdown of the real server process: SIGTERM while a request is half received; the
// request still completes, new connections are refused, the process exits 0. Also checks the JSON
// logs: request ids on every request line, no passwords or tokens.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

/** Resolves with everything the server sends until it closes the connection. */
function readAll(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    socket.on('data', (c) => (data += c.toString('utf8')));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  describe(`graceful shutdown on ${signal}`, () => {
    let db: ServerDatabase;
    let server: ServerProcess;
    // the SIGINT run also puts /ready and /metrics on a private port behind a token
    const opsPort = signal === 'SIGINT' ? freePort() : undefined;
    before(async () => {
      db = await serverDatabase();
      // debug: the `incoming request` line tells the test the server is reading the request
      server = await startServer({ ...db.env, LOG_LEVEL: 'debug', ...(opsPort ? { OPS_PORT: String(await opsPort), OPS_TOKEN: 'child-ops-token-1' } : {}) });
    });
    after(async () => {
      if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
      await db.cleanup();
    });

    if (opsPort) {
      it('serves /metrics and /ready on OPS_PORT only, behind OPS_TOKEN', async () => {
        const ops = `http://127.0.0.1:${await opsPort}`;
        const auth = { authorization: 'Bearer child-ops-token-1' };
        assert.equal((await fetch(`${server.base}/metrics`)).status, 404);
        assert.equal((await fetch(`${server.base}/health`)).status, 200);
        assert.equal((await fetch(`${ops}/metrics`)).status, 401);
        const metrics = await fetch(`${ops}/metrics`, { headers: auth });
        assert.equal(metrics.status, 200);
        assert.match(await metrics.text(), /http_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/);
        assert.equal((await fetch(`${ops}/ready`, { headers: auth })).status, 200);
      });
    }

    it('finishes the request in flight, refuses new connections, exits 0', async () => {
      const password = 'shutdown-pass-123';
      const body = JSON.stringify({ name: 'Late Larry', email: `late.${signal.toLowerCase()}@example.com`, password });
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      const response = readAll(socket);
      // Headers and half the body: the request is in flight when the signal arrives.
      socket.write(
        `POST /api/user/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: in-flight-${signal}\r\n\r\n${body.slice(0, 20)}`,
      );
      await server.waitForLine(new RegExp(`"reqId":"in-flight-${signal}"`));
      server.proc.kill(signal);
      await server.waitForLine(new RegExp(`${signal}: finishing requests in flight`));

      // the listening socket is closed at once: a load balancer sees this instance gone
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        refused = !(await connects(server.port));
        if (!refused) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(refused, 'new connections are refused while shutting down');

      socket.write(body.slice(20));
      const raw = await response;
      assert.match(raw, /^HTTP\/1\.1 201 /);
      assert.match(raw, new RegExp(`x-request-id: in-flight-${signal}`, 'i'));
      assert.match(raw, /"success":true/);

      const { code } = await server.exited;
      assert.equal(code, 0);
      assert.ok(server.lines.some((l) => l.includes('closed cleanly')));
    });

    it('wrote JSON logs with request ids and without secrets', () => {
      const logs = server.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const requestLines = logs.filter((l) => l.req !== undefined || l.res !== undefined);
      assert.ok(requestLines.length >= 2);
      for (const l of requestLines) assert.equal(typeof l.reqId, 'string', JSON.stringify(l));
      const mine = logs.filter((l) => l.reqId === `in-flight-${signal}`);
      // one line per request at info, with the request's fields and its outcome (the debug level adds the arrival)
      assert.ok(mine.some((l) => l.msg === 'incoming request' && l.level === 20));
      const done = mine.filter((l) => Number(l.level) >= 30 && l.req !== undefined);
      assert.equal(done.length, 1, JSON.stringify(mine));
      assert.equal(done[0].msg, 'request completed');
      assert.equal((done[0].req as Record<string, unknown>).method, 'POST');
      assert.equal((done[0].res as Record<string, unknown>).statusCode, 201);
      assert.equal(typeof done[0].responseTime, 'number');
      const all = server.lines.join('\n');
      assert.ok(!all.includes('shutdown-pass-123'), 'no password in the logs');
      assert.ok(!all.includes('child-process-secret'), 'no JWT secret in the logs');
      assert.ok(!/"token":"ey/.test(all), 'no tokens in the logs');
    });
  });
}

// `npm start | tee log`, a log shipper, a pager: the reader of stdout goes away at the moment the
// server gets its signal. The server must still finish and exit within SHUTDOWN_TIMEOUT_MS.
for (const nodeEnv of ['production', 'development'] as const) {
  describe(`shutdown when the log reader goes away (${nodeEnv})`, () => {
    let db: ServerDatabase;
    let server: ServerProcess;
    const shutdownTimeoutMs = 3000;
    before(async () => {
      db = await serverDatabase();
      server = await startServer({ ...db.env, NODE_ENV: nodeEnv, SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) });
    });
    after(async () => {
      if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
      await db.cleanup();
    });

    it('exits within the shutdown timeout although stdout is a closed pipe', async () => {
      // a request, so the server has lines to write while it closes
      assert.equal((await fetch(`${server.base}/api/doctor/list`)).status, 200);
      server.proc.stdout!.destroy();
      server.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        server.exited,
        new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), shutdownTimeoutMs + 5000))),
      ]);
      clearTimeout(timer);
      assert.notEqual(outcome, 'still running', 'the server is left behind when its log reader goes away');
      assert.deepEqual(outcome, { code: 0, signal: null });
    });
  });
}
