// VAPID settings: generated once into DATA_DIR (mode 0600) and reused in development, off in
// production without keys, given keys checked.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, generateVapidKeys, loadConfig } from '../../src/config.js';

describe('push settings', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-vapid-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const prod = { NODE_ENV: 'production', DATA_DIR: dir, JWT_SECRET: 'a-production-secret-long-enough', ADMIN_PASSWORD: 'a-long-admin-password-123' };

  it('generates a key pair once into DATA_DIR in development, readable by the owner only, and reuses it', () => {
    const first = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, JWT_SECRET: 'dev-secret-long-enough-1' }).push;
    assert.ok(first.vapid);
    assert.equal(Buffer.from(first.vapid.publicKey, 'base64url').length, 65);
    assert.equal(statSync(path.join(dir, '.vapid-keys.json')).mode & 0o777, 0o600);
    const again = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, JWT_SECRET: 'dev-secret-long-enough-1' }).push;
    assert.deepEqual(again.vapid, first.vapid);
    assert.equal(first.vapid.subject, 'mailto:admin@prescripto.com');
  });

  it('is off in production without keys, on with them', () => {
    assert.equal(loadConfig(prod).push.vapid, undefined);
    const keys = generateVapidKeys();
    const on = loadConfig({ ...prod, VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'https://clinic.example.com' }).push;
    assert.deepEqual(on.vapid, { ...keys, subject: 'https://clinic.example.com' });
    assert.equal(on.allowPrivate, false);
  });

  it('refuses half a key pair, malformed keys and a bad subject', () => {
    const keys = generateVapidKeys();
    assert.throws(() => loadConfig({ ...prod, VAPID_PUBLIC_KEY: keys.publicKey }), /VAPID_PRIVATE_KEY must be set too/);
    assert.throws(() => loadConfig({ ...prod, VAPID_PUBLIC_KEY: keys.privateKey, VAPID_PRIVATE_KEY: keys.privateKey }), /VAPID_PUBLIC_KEY/);
    assert.throws(() => loadConfig({ ...prod, VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: 'not*base64' }), /VAPID_PRIVATE_KEY/);
    assert.throws(() => loadConfig({ ...prod, VAPID_SUBJECT: 'http://clinic.example.com' }), ConfigError);
  });
});
