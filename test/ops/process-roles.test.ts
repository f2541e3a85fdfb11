// PROCESS_ROLE splits the API from the background jobs, and with WEB_CONCURRENCY /metrics speaks for
// every worker. In-process: which jobs each role starts. As real processes: a job worker serves only
// the operations endpoints and sends the outbox; on PostgreSQL a web process and a worker share one
// database, and a cluster's /metrics sums every worker's counters.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { OutboxRepo } from '../../src/modules/notifications/outbox.js';
import { databaseUrlFromEnv } from '../helpers/env.js';
import { bearer, json, makeTestApp, post, type TestApp } from '../helpers/app.js';
import { GatewayStub, paymentFixture, razorpayCheckoutSignature } from '../modules/payments/stub.js';
import { serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const JOBS_ON = { NOTIFY_WORKER: 'true', PAYMENT_REQUIRED: 'true', REFUND_RETRY_SECONDS: '60' };

function jobs(t: TestApp) {
  return { outbox: t.app.ctx.notificationWorker.started, sweep: t.app.ctx.scheduling.sweeping, refunds: t.app.ctx.refunds.started };
}

async function stop(server: ServerProcess | undefined): Promise<void> {
  if (!server) return;
  if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGTERM');
  await server.exited;
}

describe('PROCESS_ROLE: which background jobs a process runs', () => {
  it('web runs none; all (the default) and worker run the outbox, the payment-window sweep and the refund retries', async () => {
    for (const [role, on] of [['web', false], ['all', true], ['worker', true], [undefined, true]] as const) {
      const t = await makeTestApp({ ...JOBS_ON, PROCESS_ROLE: role });
      try {
        assert.deepEqual(jobs(t), { outbox: on, sweep: on, refunds: on }, `PROCESS_ROLE=${role ?? '(unset)'}`);
      } finally {
        await t.close();
      }
    }
  });

  it('refuses an unknown role with a clear message', async () => {
    await assert.rejects(makeTestApp({ PROCESS_ROLE: 'api' }), /PROCESS_ROLE must be web, worker or all \(got "api"\)/);
  });
});

describe('PROCESS_ROLE=web: refunds', () => {
  it('queues a cancellation’s refund in the cancel’s transaction and leaves issuing it to a job worker', async () => {
    const stub = new GatewayStub();
    const fx = await paymentFixture(stub, { fees: 500, patientName: 'Web Role', env: { PROCESS_ROLE: 'web' } });
    try {
      const id = await fx.booked();
      const ordered = await post(fx.t.app, '/api/user/payment-razorpay', { appointmentId: id }, bearer(fx.patient.token));
      assert.equal(ordered.statusCode, 200, ordered.body);
      const orderId = json(ordered).order.id as string;
      const pay = stub.payRazorpayOrder(orderId);
      const verified = await post(fx.t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(orderId, pay.id) }, bearer(fx.patient.token));
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal((await post(fx.t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(fx.patient.token))).statusCode, 200);

      const job = async () => (await fx.t.testDb.database.query<{ status: string; attempts: number }>('SELECT status, attempts FROM payment_refunds WHERE appointment_id = $1', [id]))[0];
      await fx.t.app.ctx.refunds.idle();
      assert.deepEqual(await job(), { status: 'queued', attempts: 0 }, 'the web process did not call the gateway');
      assert.equal(stub.find('POST', `/v1/payments/${pay.id}/refund`).length, 0);

      // what a worker's sweep does with it
      fx.t.app.ctx.refunds.start();
      await fx.t.app.ctx.refunds.idle();
      assert.equal(stub.find('POST', `/v1/payments/${pay.id}/refund`).length, 1);
      assert.equal((await job()).status, 'issued');
    } finally {
      await fx.close();
    }
  });
});

describe('PROCESS_ROLE=worker as a process', () => {
  let db: ServerDatabase;
  let smtp: TestSmtp;
  let worker: ServerProcess | undefined;
  before(async () => {
    db = await serverDatabase();
    smtp = await startSmtp();
    // a message already due when the worker starts (written while no server holds the database)
    const database = await db.open();
    await new OutboxRepo(database.db, 'prescripto.test').insertMany(
      undefined,
      [{ to: 'due@example.com', subject: 'Waiting for a worker', text: 'sent by the job worker', topic: 'test.worker' }],
      3,
      new Date(),
    );
    await database.close();
    worker = await startServer({ ...db.env, PROCESS_ROLE: 'worker', SMTP_URL: smtp.url, NOTIFY_INTERVAL_SECONDS: '1', OPS_TOKEN: 'ops-token-for-tests' });
  });
  after(async () => {
    await stop(worker);
    await smtp.close();
    await db.cleanup();
  });

  it('sends what the outbox holds', async () => {
    await smtp.waitFor(1);
    assert.equal(smtp.received[0].mail.subject, 'Waiting for a worker');
    assert.deepEqual(smtp.received[0].rcpt, ['due@example.com']);
  });

  it('serves /health, /ready and /metrics only', async () => {
    const auth = { authorization: 'Bearer ops-token-for-tests' };
    assert.equal((await fetch(`${worker!.base}/health`)).status, 200);
    assert.equal((await fetch(`${worker!.base}/ready`, { headers: auth })).status, 200);
    const metrics = await fetch(`${worker!.base}/metrics`, { headers: auth });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /process_cpu_user_seconds_total/);
    for (const path of ['/api/doctor/list', '/api/user/login', '/docs', '/']) {
      assert.equal((await fetch(`${worker!.base}${path}`, { method: path.endsWith('login') ? 'POST' : 'GET' })).status, 404, path);
    }
    assert.ok(worker!.lines.some((l) => l.includes('job worker (PROCESS_ROLE=worker)')));
  });
});

/** A GET on a connection of its own, so node:cluster hands each to the next worker in turn. */
function getOnNewConnection(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const listCount = (text: string): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith('http_requests_total{') && l.includes('route="/api/doctor/list"') && l.includes('status_code="200"'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

describe('web and worker processes on one PostgreSQL', { skip: databaseUrlFromEnv() ? false : 'needs DATABASE_URL: the embedded database belongs to one process' }, () => {
  let db: ServerDatabase;
  let smtp: TestSmtp;
  let web: ServerProcess | undefined;
  let worker: ServerProcess | undefined;
  let cluster: ServerProcess | undefined;
  before(async () => {
    db = await serverDatabase();
    smtp = await startSmtp();
  });
  after(async () => {
    await Promise.all([stop(web), stop(worker), stop(cluster)]);
    await smtp.close();
    await db.cleanup();
  });

  it('the web process answers and queues; the worker sends, once', async () => {
    web = await startServer({ ...db.env, PROCESS_ROLE: 'web', SMTP_URL: smtp.url, NOTIFY_INTERVAL_SECONDS: '1' });
    worker = await startServer({ ...db.env, PROCESS_ROLE: 'worker', SMTP_URL: smtp.url, NOTIFY_INTERVAL_SECONDS: '1' });
    const email = `roles.${Date.now()}@example.com`;
    const reg = await fetch(`${web.base}/api/user/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Role Test', email, password: 'a-long-password-1' }),
    });
    assert.equal(reg.status, 201);
    const forgot = await fetch(`${web.base}/api/user/forgot-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    assert.equal(forgot.status, 200);
    await smtp.waitFor(1);
    const mine = smtp.received.filter((m) => m.rcpt.includes(email));
    assert.equal(mine.length, 1);
    assert.ok(web.lines.some((l) => l.includes('background jobs run in PROCESS_ROLE=worker processes')));
  });

  it('with WEB_CONCURRENCY, /metrics counts the requests of every worker', async () => {
    await Promise.all([stop(web), stop(worker)]);
    web = worker = undefined;
    cluster = await startServer({ ...db.env, WEB_CONCURRENCY: '2', NOTIFY_WORKER: 'false', OPS_TOKEN: 'ops-token-for-tests' });
    const auth = { authorization: 'Bearer ops-token-for-tests' };
    const scrape = async () => {
      const r = await getOnNewConnection(`${cluster!.base}/metrics`, auth);
      assert.equal(r.status, 200);
      return listCount(r.body);
    };
    const before = await scrape();
    const N = 30;
    for (let i = 0; i < N; i++) assert.equal((await getOnNewConnection(`${cluster.base}/api/doctor/list`)).status, 200);
    // both workers answered some of them (each request line carries its process id)...
    const pids = new Set(
      cluster.lines
        .map((l) => JSON.parse(l) as { pid?: number; req?: { url?: string } })
        .filter((l) => l.req?.url === '/api/doctor/list')
        .map((l) => l.pid),
    );
    assert.equal(pids.size, 2, 'connections went to both workers');
    // ...and every scrape, whichever worker answers it, counts all of them (a counter is added to
    // after its answer is sent: wait for the last one)
    const end = Date.now() + 10_000;
    let seen = await scrape();
    while (seen - before < N && Date.now() < end) seen = await scrape();
    assert.equal(seen - before, N);
    for (let i = 0; i < 4; i++) assert.equal((await scrape()) - before, N);
  });
});
