// The server side of the web app: / answers HTML to browsers and JSON to API clients, deep links load
// the app, hashed assets are cached for a year and sent pre-compressed, index.html is never cached and
// carries a strict CSP; the refresh token goes in a cookie only for clients that ask for it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { bearer, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("prescripto web app");'.repeat(20);

function fakeBuild(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), INDEX);
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js.br'), zlib.brotliCompressSync(SCRIPT));
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js.gz'), zlib.gzipSync(SCRIPT));
  return dir;
}

function cspDirectives(header: string | undefined): Map<string, string[]> {
  assert.ok(header, 'Content-Security-Policy header missing');
  return new Map(header.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

describe('web app serving', () => {
  let t: TestApp;
  let withRazorpay: TestApp;
  let dir: string;
  before(async () => {
    dir = fakeBuild();
    t = await makeTestApp({ WEB_DIR: dir });
    withRazorpay = await makeTestApp({ WEB_DIR: dir, RAZORPAY_KEY_ID: 'rzp_test_x', RAZORPAY_KEY_SECRET: 'rzp_secret_x' });
  });
  after(async () => {
    await t?.close();
    await withRazorpay?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / with the app to a browser and with the JSON status to an API client', async () => {
    const page = await get(t.app, '/', HTML);
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.body, INDEX);
    assert.equal(page.headers['cache-control'], 'no-cache');
    for (const headers of [{}, { accept: 'application/json' }, { accept: '*/*' }] as Record<string, string>[]) {
      const api = await get(t.app, '/', headers);
      assert.deepEqual(json(api), { success: true, message: 'API Working' });
    }
  });

  it('loads deep links, and only for HTML navigations outside the API', async () => {
    for (const url of ['/doctors/0123456789abcdef01234567', '/admin/appointments?page=3', '/reset-password?token=x&role=patient']) {
      const res = await get(t.app, url, HTML);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, INDEX, url);
    }
    const api = await get(t.app, '/api/user/nothing-here', HTML);
    assert.equal(api.statusCode, 404);
    assert.equal(json(api).success, false);
    assert.equal((await get(t.app, '/doctors/xyz')).statusCode, 404, 'a JSON client still gets 404');
    assert.equal((await get(t.app, '/docs/nothing', HTML)).statusCode, 404);
    assert.equal((await get(t.app, '/openapi.json')).statusCode, 200);
  });

  it('sends a strict CSP with the app: no inline script, Razorpay only when configured', async () => {
    const csp = cspDirectives((await get(t.app, '/', HTML)).headers['content-security-policy'] as string);
    assert.deepEqual(csp.get('script-src'), ["'self'"]);
    assert.deepEqual(csp.get('style-src'), ["'self'"]);
    assert.deepEqual(csp.get('object-src'), ["'none'"]);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    const rzp = cspDirectives((await get(withRazorpay.app, '/doctors/x', HTML)).headers['content-security-policy'] as string);
    assert.deepEqual(rzp.get('script-src'), ["'self'", 'https://checkout.razorpay.com']);
    assert.ok(!rzp.get('script-src')!.includes("'unsafe-inline'"));
  });

  it('caches hashed assets for a year and sends the pre-compressed copy the client accepts', async () => {
    const plain = await get(t.app, '/assets/index-abc123.js');
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, SCRIPT);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(plain.headers['content-type']), /^text\/javascript/);
    const br = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(zlib.brotliDecompressSync(br.rawPayload).toString(), SCRIPT);
    const gz = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal((await get(t.app, '/assets/../../etc/passwd')).statusCode, 404);
    assert.equal((await get(t.app, '/assets/missing-123.js', HTML)).statusCode, 404);
    assert.equal((await get(t.app, '/favicon.svg')).statusCode, 200);
  });

  it('tells clients which payment options exist', async () => {
    assert.deepEqual(json(await get(t.app, '/api/client-config')).gateways, { razorpay: false, stripe: false });
    assert.deepEqual(json(await get(withRazorpay.app, '/api/client-config')).gateways, { razorpay: true, stripe: false });
  });
});

describe('refresh token in a cookie (opt-in with X-Session-Cookie)', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ WEB_DIR: path.join(os.tmpdir(), 'no-web-app-here') });
  });
  after(async () => t?.close());
  const COOKIE = { 'x-session-cookie': '1' };

  function refreshCookie(setCookie: string | string[] | undefined): { value: string; attrs: string[] } {
    const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    assert.ok(line, 'no Set-Cookie');
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    assert.match(pair, /^prescripto_refresh=/);
    return { value: pair.slice(pair.indexOf('=') + 1), attrs };
  }

  it('keeps the refresh token out of the body and in an HttpOnly, SameSite=Strict cookie scoped to refresh', async () => {
    const p = await registerPatient(t.app);
    const res = await post(t.app, '/api/user/login', { email: p.email, password: p.password }, COOKIE);
    assert.equal(res.statusCode, 200);
    const body = json(res);
    assert.equal(typeof body.token, 'string');
    assert.equal(body.refreshToken, undefined, 'no refresh token readable by scripts');
    const c = refreshCookie(res.headers['set-cookie']);
    assert.ok(c.value.length > 20);
    assert.ok(c.attrs.includes('HttpOnly'));
    assert.ok(c.attrs.includes('SameSite=Strict'));
    assert.ok(c.attrs.includes('Path=/api/user/refresh'));
    assert.ok(!c.attrs.includes('Secure'), 'plain http on localhost cannot keep a Secure cookie');

    // reload: refresh with the cookie alone gives a working access token and rotates the cookie
    const refreshed = await post(t.app, '/api/user/refresh', undefined, { ...COOKIE, cookie: `prescripto_refresh=${c.value}` });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    assert.equal(json(refreshed).refreshToken, undefined);
    const rotated = refreshCookie(refreshed.headers['set-cookie']);
    assert.notEqual(rotated.value, c.value);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(json(refreshed).token))).statusCode, 200);

    // logout clears it
    const out = await post(t.app, '/api/user/logout', {}, { ...COOKIE, ...bearer(json(refreshed).token) });
    assert.equal(out.statusCode, 200);
    assert.ok(refreshCookie(out.headers['set-cookie']).attrs.includes('Max-Age=0'));
    const after = await post(t.app, '/api/user/refresh', undefined, { ...COOKIE, cookie: `prescripto_refresh=${rotated.value}` });
    assert.equal(after.statusCode, 401);
  });

  it('marks the cookie Secure outside localhost, and refuses a cookie refresh without the cookie', async () => {
    const p = await registerPatient(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/api/user/login', payload: { email: p.email, password: p.password }, headers: { ...COOKIE, host: 'clinic.example.com' } });
    assert.ok(refreshCookie(res.headers['set-cookie']).attrs.includes('Secure'));
    const none = await post(t.app, '/api/user/refresh', undefined, COOKIE);
    assert.equal(none.statusCode, 401);
    assert.equal(json(none).success, false);
  });

  it('changes nothing for clients that do not ask', async () => {
    const p = await registerPatient(t.app);
    const res = await post(t.app, '/api/user/login', { email: p.email, password: p.password });
    assert.equal(res.headers['set-cookie'], undefined);
    assert.equal(typeof json(res).refreshToken, 'string');
    const r = await post(t.app, '/api/user/refresh', { refreshToken: json(res).refreshToken });
    assert.equal(r.statusCode, 200);
    assert.equal(typeof json(r).refreshToken, 'string');
  });

  it('logs out everywhere: every session of the account ends', async () => {
    const p = await registerPatient(t.app);
    const a = json(await post(t.app, '/api/user/login', { email: p.email, password: p.password })).token as string;
    const b = json(await post(t.app, '/api/user/login', { email: p.email, password: p.password })).token as string;
    const other = await registerPatient(t.app);
    assert.equal((await post(t.app, '/api/user/logout', { everywhere: true }, bearer(a))).statusCode, 200);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(b))).statusCode, 401);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(p.token))).statusCode, 401);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(other.token))).statusCode, 200, 'another account is untouched');
  });
});
