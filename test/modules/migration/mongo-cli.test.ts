// The commands themselves: `npm run import:mongo` / `export:mongo` as child processes on the
// configured database, with their arguments, summaries, report file and exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { command, countsOf, FIXTURE, lastJson, target, type Target } from './cli.js';

describe('import:mongo and export:mongo commands', () => {
  let db: Target;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'prescripto-cli-files-'));
  before(async () => {
    db = await target();
  });
  after(async () => {
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses bad arguments with the usage line', async () => {
    const none = await command('import-mongo', [], db.env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give exactly one folder[\s\S]*usage: npm run import:mongo/);
    const zone = await command('import-mongo', [FIXTURE, '--timezone', 'Mars/Olympus'], db.env);
    assert.equal(zone.code, 2);
    assert.match(zone.stderr, /unknown time zone: Mars\/Olympus/);
  });

  it('dry run, import, report file, export and re-import of the export', async () => {
    const report = path.join(tmp, 'report.jsonl');
    const dry = await command('import-mongo', [FIXTURE, '--dry-run', '--report', report], db.env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run \(nothing written\)/);
    assert.match(dry.stdout, /users\s+9\s+3\s+0\s+0\s+6\n/);
    assert.match(dry.stdout, /appointments\s+14\s+7\s+0\s+0\s+7\n/);
    assert.match(dry.stdout, /15 rows rejected: reasons in /);
    const expected = { users: [9, 3, 0, 0, 6], doctors: [4, 2, 0, 0, 2], appointments: [14, 7, 0, 0, 7] };
    const probe = await db.open();
    assert.deepEqual(await probe.query('SELECT id FROM patients'), [], 'the dry run wrote nothing');
    await db.release(probe);

    const real = await command('import-mongo', [FIXTURE, '--json', '--report', report], db.env);
    assert.equal(real.code, 0, real.stderr);
    const summary = lastJson(real.stdout);
    assert.deepEqual(countsOf(summary), expected);
    assert.equal(summary.report, report);
    const lines = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 15);
    assert.ok(lines.every((l) => ['users', 'doctors', 'appointments'].includes(l.collection as string) && typeof l.reason === 'string' && typeof l.record === 'number'));

    const out = path.join(tmp, 'export');
    const exported = await command('export-mongo', [out, '--json'], db.env);
    assert.equal(exported.code, 0, exported.stderr);
    const written = lastJson(exported.stdout).collections as Record<string, { written: number }>;
    assert.deepEqual([written.users.written, written.doctors.written, written.appointments.written], [3, 2, 7]);
    assert.equal(readFileSync(path.join(out, 'appointments.json'), 'utf8').trim().split('\n').length, 7);

    const again = await command('import-mongo', [out, '--json', '--report', report], db.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(countsOf(lastJson(again.stdout)), { users: [3, 0, 0, 3, 0], doctors: [2, 0, 0, 2, 0], appointments: [7, 0, 0, 7, 0] });
  });
});

