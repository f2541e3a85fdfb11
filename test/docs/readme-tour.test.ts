// The README's curl tour, taken from README.md itself so the two cannot drift, runs twice in a row
// with `sh` against the app listening on a real port (the second run proves it needs no clean
// database and no files of its own).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';

/** The first ```sh block under the "A tour with curl" heading. */
export function tourScript(readme: string): string {
  const section = readme.split(/^## A tour with curl$/m)[1];
  assert.ok(section, 'README.md has a "## A tour with curl" section');
  const block = /```sh\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'the tour section has a ```sh block');
  return block[1]!;
}

let t: TestApp;
let base: string;

before(async () => {
  // the tour logs in with the documented default admin
  t = await makeTestApp({ ADMIN_EMAIL: 'admin@prescripto.com', ADMIN_PASSWORD: 'admin-password-change-me' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(() => t?.close());

/** Runs `script` with sh (asynchronously: the server answering it lives in this process). */
function sh(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('README tour', () => {
  it('runs as written, twice in a row, with sh', async () => {
    const script = tourScript(readFileSync('README.md', 'utf8'));
    for (const run of [1, 2]) {
      const res = await sh(script, { PATH: process.env.PATH ?? '', API: base });
      assert.equal(res.status, 0, `run ${run} failed (${res.status}):\n${res.stderr}\n${res.stdout}`);
      // the booking, the patient's list and the dashboard all answered success
      const answers = res.stdout.trim().split('\n').map((line) => JSON.parse(line) as { success: boolean; message?: string });
      assert.equal(answers.length, 3, res.stdout);
      assert.ok(answers.every((a) => a.success), res.stdout);
      assert.equal(answers[0]!.message, 'Appointment Booked');
    }
  });
});
