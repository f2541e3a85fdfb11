// Production's defaults, on the real server started with nothing but the required settings: no
// demo data, no cross-origin calls without FRONTEND_URL, no public /metrics; each said at start.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

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
