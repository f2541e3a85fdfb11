import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseWorkingHours } from '../../src/config.js';

const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/prescripto-config-test' };

describe('config', () => {
  it('has the spec defaults', () => {
    const c = loadConfig(base);
    assert.equal(c.port, 4000);
    assert.equal(c.currency, 'INR');
    assert.equal(c.timezone, 'Asia/Kolkata');
    assert.equal(c.jwtExpiresIn, 86400);
    assert.equal(c.scheduling.slotMinutes, 30);
    assert.equal(c.scheduling.bufferMinutes, 15);
    assert.equal(c.scheduling.minNoticeMinutes, 60);
    assert.equal(c.scheduling.maxAdvanceDays, 30);
    assert.equal(c.scheduling.allowWeekends, false);
    assert.equal(c.uploadMaxBytes, 5 * 1024 * 1024);
    assert.equal(c.security.bcryptRounds, 10);
    assert.equal(c.databaseUrl, undefined);
    assert.deepEqual(c.scheduling.workingHours.map((r) => r.weekday), [1, 2, 3, 4, 5]);
    assert.deepEqual(c.scheduling.workingHours[0], { weekday: 1, start: 600, end: 1260 });
  });

  it('refuses bad values with a clear message', () => {
    assert.throws(() => loadConfig({ ...base, PORT: 'eighty' }), ConfigError);
    assert.throws(() => loadConfig({ ...base, TIMEZONE: 'Mars/Olympus' }), /TIMEZONE/);
    assert.throws(() => loadConfig({ ...base, NODE_ENV: 'production' }), /JWT_SECRET is required/);
    assert.throws(() => loadConfig({ ...base, JWT_SECRET: 'short' }), /at least 16/);
    assert.throws(() => loadConfig({ ...base, CURRENCY: 'rupees' }), /CURRENCY/);
    assert.throws(() => loadConfig({ ...base, PAYMENT_REQUIRED: 'perhaps' }), /PAYMENT_REQUIRED/);
    assert.throws(() => loadConfig({ ...base, BCRYPT_ROUNDS: '3' }), /BCRYPT_ROUNDS/);
  });

  it('reads Cloudinary and gateways only when fully configured', () => {
    assert.throws(() => loadConfig({ ...base, CLOUDINARY_NAME: 'x' }), /CLOUDINARY_API_KEY and CLOUDINARY_SECRET_KEY must be set too/);
    assert.equal(loadConfig(base).cloudinary, undefined);
    assert.deepEqual(loadConfig({ ...base, RAZORPAY_KEY_ID: 'k', RAZORPAY_KEY_SECRET: 's' }).razorpay, { keyId: 'k', keySecret: 's' });
    assert.deepEqual(loadConfig({ ...base, FRONTEND_URL: 'http://a.test/, http://b.test' }).frontendUrls, ['http://a.test', 'http://b.test']);
  });

  it('parses working hours with breaks', () => {
    assert.deepEqual(parseWorkingHours('1 09:00-13:00,14:00-18:00; 6 10:00-12:00'), [
      { weekday: 1, start: 540, end: 780 },
      { weekday: 1, start: 840, end: 1080 },
      { weekday: 6, start: 600, end: 720 },
    ]);
    assert.throws(() => parseWorkingHours('1 18:00-09:00'), /end after/);
    assert.throws(() => parseWorkingHours('8 09:00-10:00'), ConfigError);
  });
});
