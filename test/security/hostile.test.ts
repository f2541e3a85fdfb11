// The hostile-input suite: walks the OpenAPI document and attacks every operation on two axes.
//   1. Inputs: HOSTILE_RUNS (default 12) fast-check-generated bad bodies, queries and path values
//      per operation (wrong types, huge strings, deep objects, operator objects, SQL fragments,
//      unicode edge cases, missing and extra fields, other users' ids), each sent WITH a valid
//      token of the operation's role, so the input reaches the handler instead of bouncing off
//      authentication. The suite asserts that every secured operation got at least one such
//      authenticated hostile request.
//   2. Tokens: every secured operation also gets each bad token (none, tampered, expired, other
//      role, garbage, alg none) on a well-formed request, and must refuse it with 401/403.
// Pass: no 5xx (except a gateway's documented 503 "not configured"), the process keeps answering,
// every refusal is exactly `{ success: false, message }`, and a refused request changes nothing in
// the database. HOSTILE_SEED replays a run (every failure message carries the seed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createSigner } from 'fast-jwt';
import type { InjectOptions } from 'fastify';
import { adminToken, book, createDoctor, futureSlot, json, makeTestApp, registerPatient, type TestApp } from '../helpers/app.js';
import { operationsOf, type Operation } from './openapi-walk.js';

const SECRET = 'test-secret-that-is-long-enough-123';
const RUNS = Number(process.env.HOSTILE_RUNS ?? 12);
const SEED = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : Math.floor(Math.random() * 2 ** 31);
const TOKEN_ATTACKS = ['none', 'tampered', 'expired', 'other-role', 'garbage', 'alg-none'] as const;

const SQL = ["' OR '1'='1", "'; DROP TABLE patients; --", '1 OR 1=1', "1'); SELECT pg_sleep(10); --", "' UNION SELECT password_hash FROM admins --", '%', '\\'];
const UNICODE = ['\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\u202eevil', '\ufeff', 'e\u0301', '🙂'.repeat(50), 'İı', '\r\n\r\nX-Injected: 1', '../../../etc/passwd', '<script>alert(1)</script>', '${7*7}{{7*7}}'];
const OPERATORS: object[] = [{ $ne: null }, { $gt: '' }, { $regex: '.*' }, { $where: 'sleep(1000)' }, { $in: ['a', 'b'] }, { toString: 'x', valueOf: 1 }];

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v, b: [v === 'bottom' ? 1 : null] };
  return v;
}

/** One hostile value. `ids` are real record ids of *other* users, to try object-level access. */
function hostileValue(ids: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...SQL, ...UNICODE),
    fc.constantFrom(...OPERATORS),
    fc.constantFrom(...ids),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('x'.repeat(10_000), 'é'.repeat(300_000)),
    fc.integer(),
    fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 0.5),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
    fc.constantFrom(deep(60), deep(2000), {}, []),
  );
}

/** A query/path value: a string, since that is all a URL can carry. */
function hostileText(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...SQL, ...UNICODE.filter((u) => !/[\ud800-\udfff]/.test(u))),
    fc.constantFrom(...ids),
    fc.string({ maxLength: 30 }),
    fc.constantFrom('x'.repeat(5000), '-1', '0', '99999999999999999999', '[object Object]', '$ne', 'true', '2024-02-30', 'null'),
  );
}

type TokenKind = 'valid' | 'none' | 'tampered' | 'expired' | 'other-role' | 'garbage' | 'alg-none';

interface Fixture {
  tokens: Record<'patient' | 'doctor' | 'admin', () => Promise<string>>;
  ids: string[];
  accountIds: Record<'patient' | 'doctor' | 'admin', string>;
  patientIds: string[];
}

function b64(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

async function tokenFor(kind: TokenKind, role: Operation['role'], fx: Fixture): Promise<Record<string, string>> {
  const r = role ?? 'patient';
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'none':
      return {};
    case 'valid':
      return { authorization: `Bearer ${await fx.tokens[r]()}` };
    case 'other-role': {
      const other = r === 'admin' ? 'patient' : r === 'doctor' ? 'admin' : 'doctor';
      return { authorization: `Bearer ${await fx.tokens[other]()}` };
    }
    case 'tampered': {
      const [h, , s] = (await fx.tokens[r]()).split('.');
      return { authorization: `Bearer ${h}.${b64({ id: fx.accountIds[r], role: 'admin', jti: 'x', iat: now, exp: now + 600 })}.${s}` };
    }
    case 'expired':
      return { authorization: `Bearer ${createSigner({ key: SECRET, algorithm: 'HS256' })({ id: fx.accountIds[r], role: r, jti: 'e', iat: now - 7200, exp: now - 60 })}` };
    case 'alg-none':
      return { token: `${b64({ alg: 'none' })}.${b64({ id: fx.accountIds.admin, role: 'admin', jti: 'n', iat: now, exp: now + 600 })}.`, atoken: 'null', dtoken: '{"$ne":null}' };
    case 'garbage':
      return { authorization: 'Bearer ' + 'A'.repeat(3000), token: '\u0000' };
  }
}

function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

const MASS_ASSIGNMENT = { _id: '000000000000000000000000', role: 'admin', isAdmin: true, email: 'takeover@example.com', password: 'hijacked-pass-1', passwordHash: 'x', payment: true, isCompleted: true, amount: 0, userId: '000000000000000000000001', cancelled: false };

function requestArb(op: Operation, ids: string[]) {
  const value = hostileValue(ids);
  const body: fc.Arbitrary<{ kind: 'json'; value: unknown } | { kind: 'raw'; value: string; type: string } | { kind: 'none' }> = op.bodyProps
    ? fc.oneof(
        fc.record(Object.fromEntries(op.bodyProps.map((p) => [p, value])), { requiredKeys: [] }).map((v) => ({ kind: 'json' as const, value: v })),
        fc.record(Object.fromEntries(op.bodyProps.map((p) => [p, value])), { requiredKeys: [] }).map((v) => ({ kind: 'json' as const, value: { ...v, ...MASS_ASSIGNMENT } })),
        value.map((v) => ({ kind: 'json' as const, value: v })),
        fc.constantFrom(
          { kind: 'raw' as const, value: '{"__proto__":{"isAdmin":true},"email":"a@b.co"}', type: 'application/json' },
          { kind: 'raw' as const, value: '{"constructor":{"prototype":{"polluted":true}}}', type: 'application/json' },
          { kind: 'raw' as const, value: '{"email": "a@b.co",', type: 'application/json' },
          { kind: 'raw' as const, value: 'email=a%40b.co&password[$ne]=1', type: 'application/x-www-form-urlencoded' },
          { kind: 'raw' as const, value: '<xml/>', type: 'application/xml' },
          { kind: 'raw' as const, value: `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`, type: 'application/json' },
          { kind: 'none' as const },
        ),
      )
    : fc.constant({ kind: 'none' as const });
  const text = hostileText(ids);
  return fc.record({
    path: fc.record(Object.fromEntries(op.pathParams.map((p) => [p, text]))),
    query: fc.record(Object.fromEntries([...op.queryParams, '$where', 'page[$gt]'].map((p) => [p, text])), { requiredKeys: [] }),
    body,
  });
}

type HostileRequest = { path: Record<string, unknown>; query: Record<string, unknown>; body: { kind: 'json'; value: unknown } | { kind: 'raw'; value: string; type: string } | { kind: 'none' } };

interface Answer {
  statusCode: number;
  body: string;
}

describe('security: hostile input on every operation of the OpenAPI document', () => {
  let t: TestApp;
  let fx: Fixture;
  let digest: () => Promise<string>;
  let base: string;
  /** the role whose token authentication accepted during the current request */
  let authenticatedAs: Operation['role'];

  before(async () => {
    t = await makeTestApp({ NOTIFY_WORKER: 'false' });
    const victim = await registerPatient(t.app);
    const attacker = await registerPatient(t.app);
    const d1 = await createDoctor(t.app);
    const d2 = await createDoctor(t.app);
    const booked = await book(t.app, victim.token, d1.id, futureSlot(0, 3));
    assert.equal(booked.statusCode, 201, booked.body);
    const appointmentId = json(booked).appointment._id as string;
    const atoken = await adminToken(t.app);
    const adminId = JSON.parse(Buffer.from(atoken.split('.')[1], 'base64url').toString()).id as string;
    const { sessions, tokens } = t.app.ctx;
    // a fresh session per request, so a hostile call to /logout cannot spoil the next one
    fx = {
      tokens: {
        patient: async () => (await sessions.start('patient', attacker.id)).token,
        doctor: async () => (await sessions.start('doctor', d2.id)).token,
        admin: async () => (await sessions.start('admin', adminId)).token,
      },
      // other people's records: the victim patient, the other doctor, the victim's appointment
      ids: [victim.id, d1.id, appointmentId, adminId, '000000000000000000000000', 'ffffffffffffffffffffffff'],
      accountIds: { patient: attacker.id, doctor: d2.id, admin: adminId },
      patientIds: [victim.id, attacker.id],
    };
    // Every guard (and the SSE route) asks tokens.verify: note which role got through, to prove
    // that the hostile inputs reached past authentication.
    const verify = tokens.verify.bind(tokens);
    tokens.verify = async (token) => {
      const result = await verify(token);
      if (!('error' in result)) authenticatedAs = result.role;
      return result;
    };
    // Live streams never end: they are attacked over a real socket and dropped once answered.
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // Everything a refused request must leave alone: every table except the audit log (which
    // records refusals on purpose) and the session tables (the suite itself opens sessions).
    const tables = (
      await t.testDb.database.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
            AND table_name NOT IN ('audit_log', 'auth_sessions', 'refresh_tokens', 'schema_migrations')
          ORDER BY table_name`,
      )
    ).map((r) => r.table_name);
    assert.ok(tables.includes('patients') && tables.includes('appointments'));
    const sql = tables
      .map((name) => `SELECT '${name}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${name}" x`)
      .join(' UNION ALL ');
    // Hashing every table takes milliseconds, thousands of times a run; most requests are refused
    // and write nothing. So every write to these tables also draws a number from a sequence (test
    // triggers, in this file's own database), and the hashes are taken again only when a number was
    // drawn since the last time: no row inserted, updated or deleted and no table truncated means
    // the same hashes. A sequence, not a counter row: its numbers stay drawn when the writing
    // transaction rolls back (another hashing, never a missed write) and it takes no row lock.
    const db = t.testDb.database;
    await db.exec(`CREATE SEQUENCE hostile_writes;
      CREATE FUNCTION hostile_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('hostile_writes'); RETURN NULL; END $$;
      SELECT nextval('hostile_writes');`);
    for (const name of tables) {
      await db.exec(`CREATE TRIGGER hostile_write_row AFTER INSERT OR UPDATE OR DELETE ON "${name}" FOR EACH ROW EXECUTE FUNCTION hostile_write();
        CREATE TRIGGER hostile_write_truncate AFTER TRUNCATE ON "${name}" FOR EACH STATEMENT EXECUTE FUNCTION hostile_write();`);
    }
    const writes = async () => (await db.query<{ n: string }>('SELECT last_value::text AS n FROM hostile_writes'))[0].n;
    const unwritten = await writes();
    await db.exec(`BEGIN; UPDATE patients SET name = name WHERE id = '${victim.id}'; ROLLBACK;`);
    assert.notEqual(await writes(), unwritten, 'the write triggers see a write, even one rolled back');
    let hashed: { writes: string; digest: string } | undefined;
    digest = async () => {
      // forgot-password does its work after the answer: the state a request left includes that work
      await t.app.ctx.passwordResets.settled();
      const now = await writes();
      if (hashed?.writes !== now) {
        hashed = { writes: now, digest: (await db.query<{ t: string; h: string }>(sql)).map((r) => `${r.t}:${r.h}`).join(',') };
        // a write that came while hashing: hash again next time
        if ((await writes()) !== now) hashed.writes = '';
      }
      return hashed.digest;
    };
  });
  after(async () => t.close());

  /**
   * Sends one request. `mayOpen`: a live stream could open (valid token), so it goes over a real
   * socket and is dropped once answered; refused ones never open and go through inject (which can
   * carry header values fetch refuses, such as NUL).
   */
  async function send(op: Operation, r: HostileRequest, headers: Record<string, string>, mayOpen: boolean): Promise<Answer> {
    const query = Object.entries(r.query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
      .join('&');
    const url = fillPath(op.path, r.path as Record<string, string>) + (query ? `?${query}` : '');
    let payload: string | undefined;
    if (r.body.kind === 'json') {
      payload = JSON.stringify(r.body.value);
      headers['content-type'] = 'application/json';
    } else if (r.body.kind === 'raw') {
      payload = r.body.value;
      headers['content-type'] = r.body.type;
    }
    if (!(op.streaming && mayOpen)) {
      const inject: InjectOptions = { method: op.method, url, headers, ...(payload === undefined ? {} : { payload }) };
      const res = await t.app.inject(inject);
      return { statusCode: res.statusCode, body: res.body };
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 10_000);
    try {
      const res = await fetch(base + url, { method: op.method, headers, signal: abort.signal });
      if (res.status === 200 && /event-stream/.test(res.headers.get('content-type') ?? '')) {
        abort.abort();
        return { statusCode: 200, body: '' };
      }
      return { statusCode: res.status, body: await res.text() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The checks every answer passes; throws with `where` in the message. */
  function check(res: Answer, where: string, before: string, after: string): void {
    const gatewayOff = res.statusCode === 503 && /not configured/i.test(res.body);
    assert.ok(res.statusCode < 500 || gatewayOff, `5xx: ${where}`);
    if (res.statusCode < 400) return;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      throw new Error(`refusal is not JSON: ${where}`);
    }
    assert.deepEqual(Object.keys(body).sort(), ['message', 'success'], `envelope: ${where}`);
    assert.equal(body.success, false, where);
    assert.equal(typeof body.message, 'string', where);
    assert.ok((body.message as string).length > 0 && !/at .+\.ts:\d+|SELECT |relation "/.test(body.message as string), `internals in message: ${where}`);
    assert.equal(after, before, `a refused request changed data: ${where}`);
  }

  it('finds the operations to attack', () => {
    const ops = operationsOf(t.app);
    assert.ok(ops.length >= 40, `only ${ops.length} operations`);
    assert.ok(ops.some((o) => o.path === '/api/user/login'));
    assert.ok(ops.some((o) => o.path === '/api/admin/add-doctor' && o.role === 'admin'));
  });

  it(`survives generated bad input on every operation, sent with a valid token of its role (seed ${SEED})`, async () => {
    const failures: string[] = [];
    const authenticated = new Set<string>();
    let requests = 0;
    let current = await digest();
    const ops = operationsOf(t.app);
    for (const op of ops) {
      const key = `${op.method} ${op.path}`;
      const out = await fc.check(
        fc.asyncProperty(requestArb(op, fx.ids), async (r) => {
          const headers: Record<string, string> = op.role ? await tokenFor('valid', op.role, fx) : {};
          // one digest per request: the state after the previous request is the state before this one
          const before = current;
          authenticatedAs = undefined;
          const res = await send(op, r, headers, true);
          if (op.role && authenticatedAs === op.role) authenticated.add(key);
          current = await digest();
          requests++;
          check(res, `${key} (valid ${op.role ?? 'no'} token) → ${res.statusCode} ${res.body.slice(0, 200)}`, before, current);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      if (out.failed) {
        // the counterexample can hold megabytes: keep the assertion and shorten repeats
        const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
        failures.push(`${key}: ${why.replace(/(.)\1{20,}/gu, '$1$1$1…').slice(0, 600)} [replay: HOSTILE_SEED=${out.seed}, path ${out.counterexamplePath}]`);
      }
    }
    // the process is still healthy after all of it
    const res = await t.app.inject({ method: 'GET', url: '/api/doctor/list' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(failures, [], `HOSTILE_SEED=${SEED}`);
    assert.ok(requests >= ops.length * RUNS, `only ${requests} requests`);
    // coverage: no secured operation was only ever attacked from outside the door
    const secured = ops.filter((o) => o.role).map((o) => `${o.method} ${o.path}`);
    assert.ok(secured.length >= 40, `only ${secured.length} secured operations`);
    assert.deepEqual(secured.filter((k) => !authenticated.has(k)), [], `secured operations no authenticated hostile request reached (HOSTILE_SEED=${SEED})`);
  });

  it('refuses NUL and lone surrogates in every field of every operation (body, form, querystring, path) with 400 naming the field', async () => {
    // One field at a time, holding text PostgreSQL cannot store, sent with a valid token of the
    // operation's role: the answer must be 400 naming that field, whatever else the request lacks
    // (these used to reach the database and answer 500).
    const failures: string[] = [];
    const reached = new Set<string>();
    let current = await digest();
    let sent = 0;
    const REFUSED = (field: string) => new RegExp(`^${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} contains a character that is not allowed`);
    for (const op of operationsOf(t.app)) {
      const key = `${op.method} ${op.path}`;
      const cases: { field: string; value: string; part: 'json' | 'form' | 'query' | 'path' }[] = [];
      for (const p of op.bodyProps ?? []) {
        if (op.bodyTypes.includes('application/json')) for (const value of ['x\u0000y', '\ud800', 'a\udfffb']) cases.push({ field: p, value, part: 'json' });
        // a form carries UTF-8 bytes, which cannot hold a lone surrogate: NUL only
        if (op.bodyTypes.includes('multipart/form-data')) cases.push({ field: p, value: 'x\u0000y', part: 'form' });
      }
      for (const p of op.queryParams) cases.push({ field: p, value: '\u0000', part: 'query' });
      for (const p of op.pathParams) cases.push({ field: p, value: `${fx.ids[0]}\u0000`, part: 'path' });
      for (const c of cases) {
        const headers: Record<string, string> = op.role ? await tokenFor('valid', op.role, fx) : {};
        const before = current;
        authenticatedAs = undefined;
        const path = Object.fromEntries(op.pathParams.map((p) => [p, c.part === 'path' && p === c.field ? c.value : fx.ids[0]]));
        const url = fillPath(op.path, path) + (c.part === 'query' ? `?${encodeURIComponent(c.field)}=${encodeURIComponent(c.value)}` : '');
        let payload: InjectOptions['payload'];
        if (c.part === 'json') {
          payload = JSON.stringify({ [c.field]: c.value });
          headers['content-type'] = 'application/json';
        } else if (c.part === 'form') {
          const fd = new FormData();
          fd.append(c.field, c.value);
          payload = fd as unknown as InjectOptions['payload'];
        }
        const res = await t.app.inject({ method: op.method, url, headers, ...(payload === undefined ? {} : { payload }) });
        current = await digest();
        sent++;
        if (!op.role || authenticatedAs === op.role) reached.add(key);
        const where = `${key} ${c.part} ${c.field}=${JSON.stringify(c.value)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
        try {
          assert.equal(res.statusCode, 400, where);
          assert.match(json(res).message as string, REFUSED(c.field), where);
          check({ statusCode: res.statusCode, body: res.body }, where, before, current);
        } catch (err) {
          failures.push((err as Error).message.split('\n')[0]);
        }
      }
    }
    assert.ok(sent >= 100, `only ${sent} requests`);
    assert.deepEqual(failures, []);
    // every operation that takes text was attacked past its authentication (live streams read
    // their token, which may come in the querystring, after validation: they are not counted)
    const withFields = operationsOf(t.app).filter((o) => !o.streaming && (o.bodyProps?.length ?? 0) + o.queryParams.length + o.pathParams.length > 0);
    assert.deepEqual(withFields.map((o) => `${o.method} ${o.path}`).filter((k) => !reached.has(k)), []);
  });

  it('refuses every bad token on every secured operation with 401/403, changing nothing', async () => {
    const failures: string[] = [];
    let current = await digest();
    for (const op of operationsOf(t.app).filter((o) => o.role)) {
      // a well-formed request (real ids in the path, no body), so only the token can be refused
      const path = Object.fromEntries(op.pathParams.map((p) => [p, fx.ids[0]]));
      for (const kind of TOKEN_ATTACKS) {
        const before = current;
        authenticatedAs = undefined;
        const res = await send(op, { path, query: {}, body: { kind: 'none' } }, await tokenFor(kind, op.role, fx), false);
        current = await digest();
        const where = `${op.method} ${op.path} token=${kind} → ${res.statusCode} ${res.body.slice(0, 200)}`;
        try {
          assert.ok(kind === 'other-role' ? res.statusCode === 403 : res.statusCode === 401, `not refused for its token: ${where}`);
          assert.notEqual(authenticatedAs, op.role, `authenticated: ${where}`);
          check(res, where, before, current);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('never let a mass-assigned or operator-shaped field through to stored data', async () => {
    // the fixture accounts kept their emails and ids whatever extra fields were sent
    const rows = await t.testDb.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM patients WHERE id = ANY($1) AND email <> 'takeover@example.com'",
      [fx.patientIds],
    );
    assert.equal(rows[0].n, 2);
    const [{ doctors }] = await t.testDb.database.query<{ doctors: number }>("SELECT count(*)::int AS doctors FROM doctors WHERE email = 'takeover@example.com'");
    assert.equal(doctors, 0);
    const [{ admins }] = await t.testDb.database.query<{ admins: number }>('SELECT count(*)::int AS admins FROM admins');
    assert.equal(admins, 1);
  });
});
