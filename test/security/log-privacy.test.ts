// What the logs may hold: ids, never a person's name, email address, phone number or anything
// about their visits (an email's subject names the doctor), unless LOG_LEVEL=debug says so
// explicitly; never the SQL or parameters of a failed statement, whichever module logs it; and a
// line a service writes while serving a request carries that request's reqId.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { bearer, book, createDoctor, futureSlot, json, post, registerPatient, testEnv } from '../helpers/app.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

interface LoggedApp {
  app: App;
  lines: string[];
  dataDir: string;
}

async function loggedApp(testDb: TestDatabase, env: Record<string, string>): Promise<LoggedApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-privacy-'));
  const lines: string[] = [];
  const config = loadConfig(testEnv(dataDir, { NODE_ENV: 'production', ...env }));
  const app = await buildApp(config, { database: testDb.database, ownsDatabase: false, logStream: { write: (line: string) => void lines.push(line) } });
  await app.ready();
  await app.ctx.admin.bootstrap();
  return { app, lines, dataDir };
}

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string; level: number });

describe('logs carry ids, not personal data or SQL', () => {
  let testDb: TestDatabase;
  let info: LoggedApp;
  let debug: LoggedApp;
  const patient = { name: 'Annabel Privacyprobe', email: 'annabel.privacyprobe@example.com', password: 'annabel-pass-123' };
  const doctorName = 'Dr. Quentin Privacyprobe';

  before(async () => {
    testDb = await freshDatabase();
    info = await loggedApp(testDb, { LOG_LEVEL: 'info' });
    debug = await loggedApp(testDb, { LOG_LEVEL: 'debug' });
  });
  after(async () => {
    for (const a of [info, debug]) {
      await a.app.close();
      rmSync(a.dataDir, { recursive: true, force: true });
    }
    await testDb.drop();
  });

  it('a booking and its emails log ids only at the info level', async () => {
    const doctor = await createDoctor(info.app, { name: doctorName });
    const p = await registerPatient(info.app, patient);
    const booked = await book(info.app, p.token, doctor.id, futureSlot(3));
    assert.equal(booked.statusCode, 201, booked.body);
    const appointmentId = json(booked).appointment._id as string;
    await info.app.ctx.notificationWorker.runOnce();

    const logs = parsed(info.lines);
    // the emails were queued and kept (no SMTP_URL), each said by its id
    const queued = logs.filter((l) => /^email \w+ queued$/.test(l.msg));
    assert.ok(queued.length >= 2, info.lines.join(''));
    assert.ok(logs.some((l) => /^email \w+ kept in the outbox \(no SMTP_URL\)$/.test(l.msg)));
    const all = info.lines.join('');
    for (const personal of [patient.email, patient.name, 'Privacyprobe', 'Appointment requested', doctor.email]) {
      assert.ok(!all.includes(personal), `"${personal}" must not be logged at the info level`);
    }
    assert.ok(all.includes(appointmentId) || queued.length > 0);
  });

  it('LOG_LEVEL=debug adds the recipient and subject, for a person who asked for them', async () => {
    const res = await post(debug.app, '/api/user/forgot-password', { email: patient.email });
    assert.equal(res.statusCode, 200, res.body);
    await debug.app.ctx.passwordResets.settled(); // the email is queued after the answer
    const line = parsed(debug.lines).find((l) => l.level === 20 && /^email \w+ queued$/.test(l.msg));
    assert.ok(line, debug.lines.join(''));
    assert.equal(line.to, patient.email);
    assert.match(String(line.subject), /password/i);
  });

  it('a service line written during a request carries its reqId, and no SQL', async () => {
    await testDb.database.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      const res = await info.app.inject({
        method: 'POST', url: '/api/user/login', payload: { email: patient.email, password: patient.password }, headers: { 'x-request-id': 'privacy-login-1' },
      });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await testDb.database.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
    }
    const line = parsed(info.lines).find((l) => /^audit entry user\.login not stored$/.test(l.msg));
    assert.ok(line, info.lines.join(''));
    assert.equal(line.reqId, 'privacy-login-1');
    const err = line.err as Record<string, unknown>;
    assert.equal(err.code, '42P01', 'the SQLSTATE says what went wrong');
    const text = JSON.stringify(line);
    for (const leak of [/insert into/i, /params/i, patient.email, /\$2[aby]\$/]) assert.doesNotMatch(text, leak instanceof RegExp ? leak : new RegExp(leak.replace(/\./g, '\\.')));
  });

  it('a failing worker job (reminders) logs the error without its SQL or parameters', async () => {
    await testDb.database.exec('ALTER TABLE appointments RENAME TO appointments_away');
    try {
      await info.app.ctx.notificationWorker.runOnce();
    } finally {
      await testDb.database.exec('ALTER TABLE appointments_away RENAME TO appointments');
    }
    const line = parsed(info.lines).find((l) => l.msg === 'notification job failed');
    assert.ok(line, info.lines.join(''));
    const text = JSON.stringify(line);
    assert.doesNotMatch(text, /select |from "appointments"|params|pending,confirmed/i);
    assert.equal((line.err as Record<string, unknown>).code, '42P01');
    assert.equal(line.reqId, undefined, 'a background job belongs to no request');
  });

  it('a request line and a service line of the same request share the reqId', async () => {
    const p = await info.app.inject({ method: 'GET', url: '/api/user/get-profile', headers: { ...bearer('not-a-token'), 'x-request-id': 'privacy-profile-1' } });
    assert.equal(p.statusCode, 401);
    const mine = parsed(info.lines).filter((l) => l.reqId === 'privacy-profile-1');
    assert.ok(mine.some((l) => l.msg === 'request completed'));
    // reqId appears once per line (Fastify's request logger binds it; the mixin must not repeat it)
    for (const raw of info.lines.filter((l) => l.includes('privacy-profile-1'))) assert.equal(raw.split('"reqId"').length, 2, raw);
  });
});
