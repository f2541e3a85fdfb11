// `npm start` runs the bundle scripts/build.mjs makes (dist/server.mjs). The bundle reads its SQL
// migrations and email templates from next to itself, so this builds one into a temporary folder and
// runs it as a real server: migrations applied, docs served, an email rendered from the templates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHILD_ADMIN, serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

describe('the bundled server (npm start)', () => {
  // inside the project, like dist/: the bundle finds its npm packages in ./node_modules
  mkdirSync('.cache', { recursive: true });
  const out = path.resolve(mkdtempSync(path.join('.cache', 'build-')));
  let db: ServerDatabase;
  let server: ServerProcess;

  before(async () => {
    const r = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    db = await serverDatabase();
    server = await startServer(db.env, { entry: path.join(out, 'server.mjs') });
  });
  after(async () => {
    server?.proc.kill('SIGTERM');
    await server?.exited;
    await db?.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it('carries every migration and template beside the bundle', () => {
    assert.deepEqual(readdirSync(path.join(out, 'migrations')).sort(), readdirSync('src/db/migrations').sort());
    assert.deepEqual(readdirSync(path.join(out, 'templates')).sort(), readdirSync('src/modules/notifications/templates').sort());
  });

  it('serves the API, the docs and the OpenAPI document', async () => {
    assert.deepEqual(await (await fetch(`${server.base}/`)).json(), { success: true, message: 'API Working' });
    assert.equal((await fetch(`${server.base}/docs`, { redirect: 'follow' })).status, 200);
    const spec = (await (await fetch(`${server.base}/openapi.json`)).json()) as { openapi: string };
    assert.equal(spec.openapi, '3.1.0');
  });

  it('registers a patient and writes their reset email to the outbox', async () => {
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const email = `bundle${Date.now()}@example.com`;
    assert.equal((await post('/api/user/register', { name: 'Bundle Test', email, password: 'bundle-password-1' })).status, 201);
    assert.equal((await post('/api/user/forgot-password', { email })).status, 200);
    const admin = (await (await post('/api/admin/login', CHILD_ADMIN)).json()) as { token: string };
    // the reset mail is written just after the answer (auth/resets.ts): wait for it to appear
    let body: { messages: { to: string; subject: string }[] } = { messages: [] };
    for (let tries = 0; tries < 100; tries++) {
      const res = await fetch(`${server.base}/api/admin/notifications/outbox`, { headers: { authorization: `Bearer ${admin.token}` } });
      body = (await res.json()) as typeof body;
      assert.equal(res.status, 200, JSON.stringify(body));
      if (body.messages.some((m) => m.to === email && /password/i.test(m.subject))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(body.messages.some((m) => m.to === email && /password/i.test(m.subject)), JSON.stringify(body.messages));
  });
});
