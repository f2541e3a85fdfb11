// The README's curl tour, taken from README.md itself so the two cannot drift, runs twice in a row
// with `sh` against a real server started as `npm start` would (the second run proves it needs no
// clean database and no files of its own).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';

/** The first ```sh block under the "A tour with curl" heading. */
export function tourScript(readme: string): string {
  const section = readme.split(/^## A tour with curl$/m)[1];
  assert.ok(section, 'README.md has a "## A tour with curl" section');
  const block = /```sh\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'the tour section has a ```sh block');
  return block[1]!;
}

let db: ServerDatabase;
let server: ServerProcess;

before(async () => {
  db = await serverDatabase();
  // the tour logs in with the documented default admin
  server = await startServer({ ...db.env, ADMIN_EMAIL: 'admin@prescripto.com', ADMIN_PASSWORD: 'admin-password-change-me' });
});
after(async () => {
  server?.proc.kill('SIGTERM');
  await server?.exited;
  await db?.cleanup();
});

describe('README tour', () => {
  it('runs as written, twice in a row, with sh', () => {
    const script = tourScript(readFileSync('README.md', 'utf8'));
    for (const run of [1, 2]) {
      const res = spawnSync('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '', API: server.base }, encoding: 'utf8', timeout: 120_000 });
      assert.equal(res.status, 0, `run ${run} failed (${res.status}):\n${res.stderr}\n${res.stdout}`);
      // the booking, the patient's list and the dashboard all answered success
      const answers = res.stdout.trim().split('\n').map((line) => JSON.parse(line) as { success: boolean; message?: string });
      assert.equal(answers.length, 3, res.stdout);
      assert.ok(answers.every((a) => a.success), res.stdout);
      assert.equal(answers[0]!.message, 'Appointment Booked');
    }
  });
});
