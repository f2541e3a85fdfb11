// The streaming path: a generated 100,000-appointment export (a 110 MB file) imported by the
// command within a memory cap that the command measures itself. No timing is asserted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import { command, countsOf, lastJson, target, type Target } from './cli.js';
import { generateExport, genAppointmentId } from './generate.js';

/** Peak JS heap the importer may use on the 100,000-appointment export. */
const HEAP_CAP_MB = 160;

describe('import:mongo streams a 100,000-appointment export in bounded memory', () => {
  let db: Target;
  const folder = mkdtempSync(path.join(os.tmpdir(), 'prescripto-100k-'));
  const sizes = { doctors: 200, patients: 5_000, appointments: 100_000 };
  before(async () => {
    db = await target();
    await generateExport(folder, sizes, await bcrypt.hash('generated-password', 4));
  });
  after(async () => {
    await db.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('imports every row, reports progress, and stays under the heap cap it measures', { timeout: 40 * 60_000 }, async () => {
    const fileMb = statSync(path.join(folder, 'appointments.json')).size / 1048576;
    // reading the file whole would take more heap than the cap before a single row is parsed
    assert.ok(fileMb > HEAP_CAP_MB * 0.6, `the generated file is ${fileMb.toFixed(0)} MB`);
    const run = await command('import-mongo', [folder, '--json', '--report', path.join(folder, 'report.jsonl')], db.env);
    assert.equal(run.code, 0, run.stderr.slice(-2000));
    const summary = lastJson(run.stdout);
    assert.deepEqual(countsOf(summary), {
      users: [sizes.patients, sizes.patients, 0, 0, 0],
      doctors: [sizes.doctors, sizes.doctors, 0, 0, 0],
      appointments: [sizes.appointments, sizes.appointments, 0, 0, 0],
    });
    assert.ok(summary.memory.heapUsedMb > 0 && summary.memory.heapUsedMb < HEAP_CAP_MB, `peak heap ${summary.memory.heapUsedMb} MB`);
    // not a terminal: periodic progress lines on stderr, ending at 100%
    assert.match(run.stderr, /appointments\s+\[#+\]\s+100%/);
    assert.ok(run.stderr.split('\n').filter((l) => l.startsWith('appointments')).length >= 5);

    const probe = await db.open();
    try {
      const [n] = await probe.query<{ a: number; live: number; last: number }>(
        `SELECT count(*)::int AS a, (count(*) FILTER (WHERE status <> 'cancelled'))::int AS live, (count(*) FILTER (WHERE id = $1))::int AS last FROM appointments`,
        [genAppointmentId(sizes.appointments - 1)],
      );
      assert.deepEqual(n, { a: sizes.appointments, live: sizes.appointments * 0.9, last: 1 });
      const [t] = await probe.query<{ n: number }>('SELECT sum(appointments)::int AS n FROM appointment_totals');
      assert.equal(t.n, sizes.appointments, 'the dashboard totals counted every row');
    } finally {
      await db.release(probe);
    }
  });
});
