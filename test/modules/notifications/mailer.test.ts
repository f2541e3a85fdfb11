// The SMTP mailer (src/modules/notifications/mailer.ts): one connection reused message after
// message, and every step bounded by its timeout, against a real SMTP server and a silent one.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSmtpMailer } from '../../../src/modules/notifications/mailer.js';
import type { OutboxRow } from '../../../src/modules/notifications/tables.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';

const FROM = 'Prescripto <no-reply@prescripto.test>';
const message = (i: number) =>
  ({ recipient: `reuse${i}@example.com`, subject: `Reuse ${i}`, textBody: 'Body', htmlBody: null, ics: null, icsMethod: null, messageId: `<reuse${i}.${Date.now()}@prescripto.test>`, topic: 'test' }) as unknown as OutboxRow;

describe('SMTP mailer', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startSmtp();
  });
  after(async () => smtp.close());

  it('sends message after message over one connection; a new mailer after the old one closed delivers too', async () => {
    const mailer = createSmtpMailer(smtp.url, FROM);
    try {
      const before = smtp.connections;
      for (let i = 0; i < 5; i++) await mailer.send(message(i));
      assert.deepEqual(smtp.received.slice(-5).map((m) => m.rcpt[0]), [0, 1, 2, 3, 4].map((i) => `reuse${i}@example.com`));
      assert.equal(smtp.connections - before, 1, 'one connection for five messages');
    } finally {
      mailer.close();
    }
    // a new mailer after the old one closed its connection: still delivers
    const next = createSmtpMailer(smtp.url, FROM);
    try {
      await next.send(message(5));
      assert.equal(smtp.received.at(-1)?.rcpt[0], 'reuse5@example.com');
    } finally {
      next.close();
    }
  });

  it('gives up on a server that accepts the connection and never greets, within its timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const mailer = createSmtpMailer(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, FROM, 300);
    const started = Date.now();
    try {
      await assert.rejects(mailer.send(message(6)), /greeting never received|timeout/i);
      // nodemailer's own default would wait 30 s for the greeting
      assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      mailer.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
