// /openapi.json is what client generators read: it must be valid OpenAPI 3.1 (checked by a
// spec-compliant validator) and carry what a generator needs: unique operationIds, descriptions,
// declared tags, security schemes for every way of authenticating, multipart forms with their
// file, content types of non-JSON answers, and no status a route cannot answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { get, json, makeTestApp, type TestApp } from '../helpers/app.js';

type Schema = { type?: string; format?: string; description?: string; properties?: Record<string, Schema>; required?: string[] };
interface Operation {
  operationId?: string;
  description?: string;
  summary?: string;
  tags?: string[];
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}
interface Doc {
  openapi: string;
  servers?: { url: string }[];
  tags: { name: string; description?: string }[];
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
  paths: Record<string, Record<string, Operation>>;
}

let t: TestApp;
let doc: Doc;
let raw: string;
const ops: { method: string; path: string; op: Operation }[] = [];
const op = (method: string, path: string): Operation => {
  const found = doc.paths[path]?.[method];
  assert.ok(found, `${method.toUpperCase()} ${path} is in the document`);
  return found;
};

before(async () => {
  t = await makeTestApp();
  const res = await get(t.app, '/openapi.json');
  assert.equal(res.statusCode, 200);
  doc = json<Doc>(res);
  raw = res.body;
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, o] of Object.entries(item)) ops.push({ method, path, op: o });
});
after(() => t.close());

describe('/openapi.json', () => {
  it('is valid OpenAPI 3.1 for a spec-compliant validator', async () => {
    assert.equal(doc.openapi, '3.1.0');
    await SwaggerParser.validate(JSON.parse(raw) as never);
  });

  it('gives every operation a unique operationId, a description and exactly one declared, described tag', () => {
    assert.ok(ops.length > 90, `${ops.length} operations`);
    const ids = ops.map((o) => o.op.operationId);
    for (const [i, o] of ops.entries()) {
      assert.match(o.op.operationId ?? '', /^[a-z][A-Za-z0-9]+$/, `${o.method} ${o.path} has an operationId`);
      assert.equal(ids.indexOf(o.op.operationId), i, `operationId ${o.op.operationId} is unique`);
      assert.ok((o.op.description ?? '').length > 20, `${o.op.operationId} has a description`);
      assert.equal(o.op.tags?.length, 1, `${o.op.operationId} appears under one tag`);
    }
    const declared = new Map(doc.tags.map((tag) => [tag.name, tag.description ?? '']));
    for (const o of ops) assert.ok(declared.get(o.op.tags![0]!), `tag ${o.op.tags![0]} of ${o.op.operationId} is declared and described`);
    const used = new Set(ops.map((o) => o.op.tags![0]));
    for (const name of declared.keys()) assert.ok(used.has(name), `declared tag ${name} is used`);
  });

  it('declares servers, and bearer plus the legacy token / dtoken / atoken headers as security schemes', () => {
    assert.ok(doc.servers?.length && /^https?:\/\//.test(doc.servers[0]!.url), 'servers has an absolute URL');
    const s = doc.components.securitySchemes;
    assert.deepEqual(s.bearer && { type: s.bearer.type, scheme: s.bearer.scheme }, { type: 'http', scheme: 'bearer' });
    for (const [scheme, header] of [['patientToken', 'token'], ['doctorToken', 'dtoken'], ['adminToken', 'atoken']]) {
      assert.deepEqual(s[scheme!] && { type: s[scheme!]!.type, in: s[scheme!]!.in, name: s[scheme!]!.name }, { type: 'apiKey', in: 'header', name: header });
    }
    assert.deepEqual(op('get', '/api/doctor/profile').security, [{ bearer: [] }, { doctorToken: [] }]);
    assert.deepEqual(op('get', '/api/user/get-profile').security, [{ bearer: [] }, { patientToken: [] }]);
    assert.deepEqual(op('get', '/api/admin/dashboard').security, [{ bearer: [] }, { adminToken: [] }]);
  });

  it('declares 401/403 only on secured operations, and 413/415 only where a body is read', () => {
    for (const { method, path, op: o } of ops) {
      const secured = (o.security?.length ?? 0) > 0;
      const codes = Object.keys(o.responses);
      if (!secured) assert.ok(!codes.includes('403'), `public ${method} ${path} declares no 403`);
      if (secured) assert.ok(codes.includes('401') && codes.includes('403'), `secured ${method} ${path} declares 401 and 403`);
      if (method === 'get' || method === 'delete') assert.ok(!codes.includes('413') && !codes.includes('415'), `${method} ${path} declares no 413/415`);
    }
    // public routes whose own rules answer 401: wrong credentials, bad refresh token
    for (const path of ['/api/user/login', '/api/doctor/login', '/api/admin/login', '/api/user/refresh']) assert.ok(op('post', path).responses['401'], `${path} declares 401`);
    for (const path of ['/api/user/register', '/api/doctor/list', '/api/user/forgot-password', '/api/doctor/{docId}/slots']) {
      const method = path.includes('list') || path.includes('slots') ? 'get' : 'post';
      assert.ok(!op(method, path).responses['401'], `public ${path} declares no 401`);
    }
  });

  it('declares 402, 413, 415, 429, 502 and 503 where the server answers them', () => {
    const codes = (m: string, p: string) => Object.keys(op(m, p).responses);
    assert.ok(codes('post', '/api/user/verify-razorpay').includes('402'), 'verify-razorpay 402');
    assert.ok(codes('post', '/api/user/verify-stripe').includes('402'), 'verify-stripe 402');
    assert.ok(!codes('post', '/api/user/book-appointment').includes('402'), 'booking never 402');
    for (const p of ['/api/admin/add-doctor', '/api/user/update-profile', '/api/doctor/update-profile']) {
      for (const c of ['413', '415', '502']) assert.ok(codes('post', p).includes(c), `${p} declares ${c}`);
    }
    assert.ok(codes('post', '/api/user/payment-stripe').includes('502'), 'payment-stripe 502');
    assert.ok(codes('post', '/api/user/login').includes('429'), 'login 429');
    assert.ok(!codes('get', '/health').includes('429'), 'probes are not rate limited');
    assert.ok(!codes('post', '/api/webhooks/stripe').includes('429'), 'webhooks are not rate limited');
    assert.ok(!codes('post', '/api/webhooks/stripe').includes('415'), 'webhooks read any content type');
    assert.ok(codes('get', '/api/user/appointments').includes('503'), 'database down');
    assert.ok(!codes('get', '/health').includes('503'), 'health never 503');
  });

  it('declares /ready’s 503 with the readiness body', () => {
    const ready = op('get', '/ready');
    assert.deepEqual(Object.keys(ready.responses).sort(), ['200', '503']);
    assert.ok(ready.responses['503']!.content!['application/json']!.schema.properties!.database, '503 is the readiness body');
  });

  it('describes the multipart forms with their image file and other fields', () => {
    const addDoctor = op('post', '/api/admin/add-doctor').requestBody!.content['multipart/form-data']!.schema;
    assert.deepEqual(addDoctor.properties!.image, { type: 'string', format: 'binary', description: addDoctor.properties!.image!.description });
    for (const f of ['name', 'email', 'speciality', 'degree', 'experience', 'about', 'fees', 'address', 'image']) {
      assert.ok(addDoctor.required!.includes(f), `add-doctor requires ${f}`);
    }
    assert.ok(addDoctor.properties!.password && !addDoctor.required!.includes('password'), 'add-doctor takes an optional password');
    for (const [path, fields] of [['/api/user/update-profile', ['name', 'phone', 'address', 'dob', 'gender']], ['/api/doctor/update-profile', ['fees', 'address', 'about', 'available']]] as const) {
      const body = op('post', path).requestBody!.content;
      const multipart = body['multipart/form-data']!.schema;
      assert.equal(multipart.properties!.image!.format, 'binary', `${path} takes the image`);
      assert.ok(!multipart.required?.includes('image'), `${path}: the image is optional`);
      for (const f of fields) assert.ok(multipart.properties![f], `${path} multipart has ${f}`);
      assert.ok(!body['application/json']!.schema.properties!.image, `${path} JSON has no file`);
    }
  });

  it('lists register’s required fields', () => {
    const schema = op('post', '/api/user/register').requestBody!.content['application/json']!.schema;
    assert.deepEqual([...schema.required!].sort(), ['email', 'name', 'password']);
  });

  it('declares the content type of PDF, event-stream, calendar, CSV and text answers', () => {
    const types = (m: string, p: string) => Object.keys(op(m, p).responses['200']!.content ?? {});
    assert.deepEqual(types('get', '/api/user/appointments/{id}/receipt'), ['application/pdf']);
    assert.deepEqual(types('get', '/api/user/events'), ['text/event-stream']);
    assert.deepEqual(types('get', '/api/calendar/{file}'), ['text/calendar']);
    assert.deepEqual(types('get', '/api/admin/reports/revenue'), ['application/json', 'text/csv']);
    assert.deepEqual(types('get', '/metrics'), ['text/plain']);
    // refusals stay JSON
    assert.deepEqual(Object.keys(op('get', '/api/user/appointments/{id}/receipt').responses['404']!.content!), ['application/json']);
  });

  it('marks the legacy alias routes deprecated, each once', () => {
    const deprecated = ops.filter((o) => o.op.deprecated).map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();
    assert.deepEqual(deprecated, [
      'POST /api/admin/all-doctors',
      'POST /api/admin/cancel-appointment',
      'POST /api/doctor/cancel-appointment',
      'POST /api/doctor/complete-appointment',
      'POST /api/user/verifyRazorpay',
      'POST /api/user/verifyStripe',
    ]);
  });

  it('gives examples', () => {
    const media = op('post', '/api/user/register').requestBody!.content['application/json'] as { example?: { email?: string } };
    assert.match(media.example?.email ?? '', /@/, 'register has an example body');
  });

  it('/docs loads /openapi.json in its top bar', async () => {
    const init = await get(t.app, '/docs/static/swagger-initializer.js');
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /"urls":\s*\[\s*\{\s*"url":\s*"\/openapi\.json"/);
  });
});
