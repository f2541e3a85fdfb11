// The delivery worker of a real server process killed (SIGKILL) in the middle of an SMTP
// conversation, then a new process started on the same data: every queued message arrives, and none
// twice. The message in flight at the kill had not been acknowledged by the SMTP server, so it is not
// a delivery; the one case that could arrive twice (accepted, then the process died before marking it
// sent) is the documented at-least-once window and would carry the same Message-ID.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { OutboxRepo } from '../../../src/modules/notifications/outbox.js';
import { serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../../helpers/server-process.js';
import { until } from '../../helpers/wait.js';

interface Arrival {
  subject: string;
  messageId: string;
  /** answers 250: the message is delivered */
  accept(): void;
}

/** An SMTP server that answers a message only when the test says so (a slow provider). */
async function heldSmtp(onMessage: (m: Arrival) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void simpleParser(Buffer.concat(chunks)).then((mail) => onMessage({ subject: mail.subject ?? '', messageId: mail.messageId ?? '', accept: () => cb() }));
      });
    },
  });
  server.on('error', () => undefined); // the killed client's connection drops mid-transaction
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}


describe(`notification worker killed mid-delivery (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  const N = 6;
  let db: ServerDatabase;
  let server: ServerProcess | undefined;
  let smtp: Awaited<ReturnType<typeof heldSmtp>>;
  /** deliveries the SMTP server acknowledged, in order */
  const delivered: { subject: string; messageId: string }[] = [];
  let phase: 'first' | 'after-restart' = 'first';
  let arrivals = 0;

  before(async () => {
    db = await serverDatabase();
    smtp = await heldSmtp((m) => {
      arrivals++;
      // first process: two messages go through, the third is in flight when the process dies
      if (phase === 'first' && arrivals === 3) {
        server?.proc.kill('SIGKILL');
        return;
      }
      if (phase === 'first' && arrivals > 3) return;
      delivered.push({ subject: m.subject, messageId: m.messageId });
      m.accept();
    });
    const database = await db.open();
    const outbox = new OutboxRepo(database.db, 'crash.test');
    const msgs = Array.from({ length: N }, (_, i) => ({ to: `crash${i}@example.com`, subject: `Crash ${i}`, text: 'x' }));
    await outbox.insertMany(undefined, msgs, 5, new Date());
    await database.close();
  });
  after(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await smtp.close();
    await db.cleanup();
  });

  it('every message is delivered exactly once across the kill and the restart', async () => {
    // a short lease, so the restarted process takes over the dead one's messages within seconds
    const env = { ...db.env, SMTP_URL: smtp.url, NOTIFY_INTERVAL_SECONDS: '1', NOTIFY_LEASE_SECONDS: '2' };
    server = await startServer(env);
    const first = server;
    assert.equal((await first.exited).signal, 'SIGKILL');
    assert.equal(delivered.length, 2, 'two delivered before the kill');

    phase = 'after-restart';
    server = await startServer(env);
    await until(() => new Set(delivered.map((d) => d.subject)).size === N, 'every message', 90_000);
    // a graceful stop: the worker finishes its pass, so nothing can still arrive after this
    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);

    const subjects = delivered.map((d) => d.subject).sort();
    assert.deepEqual(subjects, Array.from({ length: N }, (_, i) => `Crash ${i}`), 'each exactly once');
    assert.equal(new Set(delivered.map((d) => d.messageId)).size, N);

    const database = await db.open();
    try {
      const rows = await database.query<{ subject: string; status: string; attempts: number }>('SELECT subject, status, attempts FROM notification_outbox ORDER BY subject');
      assert.deepEqual(rows.map((r) => r.status), Array(N).fill('sent'));
      // the two sent before the kill were tried once; the rest were claimed by the dead process too
      assert.deepEqual(rows.map((r) => Number(r.attempts)), [1, 1, 2, 2, 2, 2]);
    } finally {
      await database.close();
    }
  });
});
