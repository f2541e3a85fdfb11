// `npm test`: node's test runner over every test/**/*.test.ts (listed explicitly: a quoted glob or a
// bare directory would run 0 tests and still exit 0), after building the template database once.
// Fails when no test ran, and (on a whole run) on a lint warning or a type error. The browser tests
// (test/e2e) run last, one file at a time, with a 15-minute limit per file. Arguments narrow the run:
// `npm test -- booking` runs files matching "booking".
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = walk('test')
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

// A whole run (no filter) also lints and typechecks the tree, side by side with the tests: CI fails
// on a lint warning or a type error as on a failing test. Their output is shown when they fail.
function check(name, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => resolve({ name, ok: code === 0, out }));
  });
}
const checks =
  filters.length === 0
    ? [
        check('lint', ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '.']),
        check('typecheck (server)', ['node_modules/typescript/bin/tsc', '-p', '.']),
        check('typecheck (web)', ['node_modules/typescript/bin/tsc', '-p', 'web']),
      ]
    : [];

// The browser tests load the built web app: build it first when its sources changed.
if (files.some((f) => f.split(path.sep).includes('e2e'))) {
  const web = spawnSync(process.execPath, ['scripts/build-web.mjs', '--if-stale'], { stdio: 'inherit' });
  if (web.status !== 0) process.exit(web.status ?? 1);
}

const setup = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/test-setup.ts'], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const db = process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite';

/** One `node --test` run; resolves with its exit code and its summary counts. */
function run(list, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...args, '--test-reporter=spec', ...list], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      const count = (name) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(tail)?.[1] ?? 0);
      resolve({ code: code ?? 1, tests: count('tests'), pass: count('pass'), fail: count('fail') });
    });
  });
}

// Browser tests (test/e2e) run after the others, one file at a time, with a longer per-file limit: each
// file drives a real server and Chromium through whole journeys, minutes on a busy machine.
const isE2e = (f) => f.split(path.sep).includes('e2e');
const plain = files.filter((f) => !isE2e(f));
const e2e = files.filter(isE2e);
const results = [];
if (plain.length) results.push(await run(plain, [`--test-concurrency=${concurrency}`, '--test-timeout=300000']));
if (e2e.length) results.push(await run(e2e, ['--test-concurrency=1', '--test-timeout=900000']));
const tests = results.reduce((n, r) => n + r.tests, 0);
if (tests === 0) {
  console.error(`no tests ran (${db}): failing`);
  process.exit(1);
}
if (results.length > 1) {
  const sum = (k) => results.reduce((n, r) => n + r[k], 0);
  console.log(`all runs: ${tests} tests, ${sum('pass')} passed, ${sum('fail')} failed`);
}
console.log(`${files.length} test files on ${db}`);
const failedChecks = (await Promise.all(checks)).filter((c) => !c.ok);
for (const c of failedChecks) console.error(`\n${c.name} failed:\n${c.out}`);
if (checks.length) console.log(failedChecks.length ? `static checks failed: ${failedChecks.map((c) => c.name).join(', ')}` : 'lint and typecheck: clean');
process.exit(results.find((r) => r.code !== 0)?.code ?? (failedChecks.length ? 1 : 0));
