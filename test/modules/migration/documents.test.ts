// The mongoexport reader on its own (every layout, any chunk boundary, broken input) and the
// mapping rules that need no database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ObjectId } from 'bson';
import { readDocuments, type RawDocument } from '../../../src/modules/migration/documents.js';
import { mapAppointment, placeAppointment, statusOf } from '../../../src/modules/migration/mapping.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-docs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function read(text: string, chunkSize?: number): Promise<RawDocument[]> {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, text);
  const out: RawDocument[] = [];
  for await (const d of readDocuments(file, undefined, chunkSize)) out.push(d);
  return out;
}

const tricky = [
  { _id: { $oid: '65a10000aaaa000000000001' }, about: 'braces } { and ] [ inside, a "quoted" word, a backslash \\ and a newline \n', n: { $numberLong: '1705000000000' } },
  { _id: { $oid: '65a10000aaaa000000000002' }, nested: { a: [{ b: '}' }, { c: ['"\\"'] }] }, at: { $date: { $numberLong: '1705000000000' } } },
];

describe('readDocuments', () => {
  it('reads JSON lines, a JSON array and a pretty-printed array alike, at every chunk boundary', async () => {
    const layouts = [
      tricky.map((d) => JSON.stringify(d)).join('\n') + '\n',
      '[' + tricky.map((d) => JSON.stringify(d)).join(',') + ']',
      JSON.stringify(tricky, null, 2),
      tricky.map((d) => JSON.stringify(d, null, 2)).join('\n'), // mongoexport --pretty without --jsonArray
    ];
    for (const text of layouts) {
      for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
        const docs = await read(text, chunk);
        assert.deepEqual(docs.map((d) => [d.record, d.error]), [[1, undefined], [2, undefined]], `chunk ${chunk}`);
        assert.ok(docs[0].doc!._id instanceof ObjectId);
        assert.equal(docs[0].doc!.about, tricky[0].about);
        assert.equal(docs[0].doc!.n, 1705000000000, '$numberLong read as a number (relaxed)');
        assert.deepEqual(docs[1].doc!.nested, tricky[1].nested);
        assert.ok(docs[1].doc!.at instanceof Date && (docs[1].doc!.at as Date).getTime() === 1705000000000);
      }
    }
  });

  it('reports unreadable records by position and goes on with the next', async () => {
    const docs = await read('{"a": 1}\n{"b": }\nnot json at all\n{"c": {"$oid": "not-hex"}}\n{"d": 4}\n[1, 2]\n{"e": 5', 5);
    assert.deepEqual(docs.map((d) => [d.record, d.error ?? 'ok']), [
      [1, 'ok'],
      [2, 'invalid JSON'],
      [3, 'not a JSON object'],
      [4, 'invalid Extended JSON'],
      [5, 'ok'],
      [6, 'not a JSON object'], // a number where a document belongs: the rest of its line is skipped
      [7, 'the file ends inside a document'],
    ]);
  });
});

describe('mapping rules', () => {
  it('maps the three booleans to one status', () => {
    assert.equal(statusOf(false, false, false), 'pending');
    assert.equal(statusOf(false, true, false), 'confirmed');
    assert.equal(statusOf(false, true, true), 'completed');
    assert.equal(statusOf(false, false, true), 'completed');
    assert.equal(statusOf(true, true, true), 'cancelled');
  });

  it('refuses a slot that does not exist in the zone (daylight-saving gap)', () => {
    const m = mapAppointment({
      _id: new ObjectId('65a20000eeee000000000001'), userId: '65a10000aaaa000000000001', docId: '65a10000dddd000000000001',
      slotDate: '10_3_2024', slotTime: '02:30 AM', amount: 50, date: 1705000000000,
    });
    assert.ok(m.ok);
    const placed = placeAppointment(m.row, 'America/New_York', 30);
    assert.deepEqual(placed, { ok: false, rejection: { id: '65a20000eeee000000000001', reason: 'slotTime does not exist in America/New_York on that day (daylight-saving change)' } });
    const fine = placeAppointment(m.row, 'Asia/Kolkata', 30);
    assert.ok(fine.ok && fine.row.starts_at === '2024-03-09T21:00:00.000Z');
  });

  it('refuses a missing or foreign _id, userId and docId, and impossible dates', () => {
    const base = { _id: new ObjectId('65a20000eeee000000000001'), userId: '65a10000aaaa000000000001', docId: '65a10000dddd000000000001', slotDate: '1_2_2024', slotTime: '10:00 AM', amount: 50 };
    const reason = (doc: Record<string, unknown>) => {
      const m = mapAppointment(doc);
      return m.ok ? 'ok' : m.rejection.reason;
    };
    assert.equal(reason(base), 'ok');
    assert.equal(reason({ ...base, _id: undefined }), 'missing _id');
    assert.equal(reason({ ...base, userId: 'someone' }), 'userId is not an ObjectId');
    assert.equal(reason({ ...base, docId: undefined }), 'missing docId');
    assert.equal(reason({ ...base, date: 'yesterday' }), 'invalid date');
    assert.equal(reason({ ...base, date: 1e17 }), 'invalid date');
    assert.equal(reason({ ...base, amount: -5 }), 'invalid amount');
    assert.equal(reason({ ...base, slotDate: '2024-02-01' }), 'ok', 'ISO dates are read too');
  });
});
