// `npm test`: every test/**/*.test.ts (listed explicitly: a quoted glob or a bare directory would run
// 0 tests and still exit 0), after building the template database once. Each file runs in its own
// node process (node's test runner, spec reporter), TEST_CONCURRENCY files at a time, server and
// browser files (test/e2e) alike: each file has its own database, app, ports and browser, so they
// are independent. The slowest files start first (durations of earlier runs, kept in
// .cache/test-times.json), so the run does not end waiting on one long file started last. A file's
// output is printed when it finishes, in one piece. Fails on any failure and when no test ran; prints
// the slowest files and the total wall time. A whole run (no filter) also lints and typechecks the
// tree beside the tests, and fails on a lint warning or a type error.
//
//   npm test -- booking                       files whose path contains "booking"
//   npm test -- e2e --test-name-pattern=pay   flags starting with "-" go to every file's node process
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const started = Date.now();

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('-'));
const nodeFlags = args.filter((a) => a.startsWith('-'));
const files = walk('test')
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

// An empty DATABASE_URL= or REDIS_URL= means unset, as for the server (src/config.ts).
const env = { ...process.env, NODE_ENV: 'test' };
for (const key of ['DATABASE_URL', 'REDIS_URL']) if (!env[key]?.trim()) delete env[key];
const db = env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite';

const isE2e = (f) => f.split(path.sep).includes('e2e');

// Lint and typecheck, started now, awaited at the end; their output is shown when they fail.
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
if (files.some(isE2e)) {
  const web = spawnSync(process.execPath, ['scripts/build-web.mjs', '--if-stale'], { stdio: 'inherit', env });
  if (web.status !== 0) process.exit(web.status ?? 1);
}

// Test databases live in /dev/shm (test/helpers/db.ts), in memory: those of runs killed before their
// clean-up (a timed-out file, Ctrl-C) are removed here once the process that held them is gone.
function removeOrphanedDatabases() {
  let names = [];
  try {
    names = readdirSync('/dev/shm').filter((n) => /^prescripto-(db|proc|cli|tpl)-/.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join('/dev/shm', name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < 10 * 60_000) continue;
      const pid = Number(readFileSync(path.join(dir, 'server.lock'), 'utf8').split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      try {
        process.kill(pid, 0);
        continue; // its process still runs
      } catch (err) {
        if (err.code === 'EPERM') continue;
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* no lock file (not started yet, or not a database): left alone */
    }
  }
}
removeOrphanedDatabases();

const setup = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/test-setup.ts'], { stdio: 'inherit', env });
if (setup.status !== 0) process.exit(setup.status ?? 1);

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
// One more file than cores: a file waiting on its child server or browser leaves its core to another.
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? cores + 1));
// A file that hangs (a handle left open, a deadlock) is killed with its processes after this long.
const fileTimeoutMs = (f) => (isE2e(f) ? 15 : 10) * 60_000;

const TIMES = path.resolve('.cache/test-times.json');
let known = {};
try {
  known = JSON.parse(readFileSync(TIMES, 'utf8'));
} catch {
  /* first run: no durations yet */
}
// Longest first; a file never timed yet counts as a long one (browser files longer still).
const expected = (f) => known[f] ?? (isE2e(f) ? 120_000 : 30_000);
const queue = [...files].sort((a, b) => expected(b) - expected(a) || a.localeCompare(b));

/**
 * CPU seconds used so far by this runner's finished child processes and everything they waited for
 * (servers, browsers): Linux's cutime + cstime in /proc/self/stat, at 100 ticks a second. Read as
 * each file ends, the increase is that file's CPU time, a figure a busy machine does not inflate
 * the way it inflates wall time. Undefined elsewhere.
 */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}
let cpuSeen = childCpuSeconds();

const running = new Set();
const killAll = (signal) => {
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  }
};

/** One file in its own process; resolves with its counts, exit code and duration. */
function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // its own process group: a timed-out file is killed with the servers and browsers it started
    const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=spec', ...nodeFlags, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      detached: true,
    });
    running.add(child.pid);
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, fileTimeoutMs(file));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      const cpuNow = childCpuSeconds();
      const cpu = cpuNow === undefined || cpuSeen === undefined ? undefined : cpuNow - cpuSeen;
      cpuSeen = cpuNow;
      const text = Buffer.concat(out).toString('utf8');
      // the spec reporter's summary, printed once at the end of the file's run
      const count = (name) => Number([...text.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
      resolve({
        file,
        text,
        ms: Date.now() - t0,
        cpu,
        code: timedOut ? 1 : (code ?? 1),
        signal,
        timedOut,
        tests: count('tests'),
        pass: count('pass'),
        fail: count('fail'),
        skipped: count('skipped'),
      });
    });
  });
}

const results = [];
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
async function worker() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runFile(file);
    results.push(r);
    const status = r.code === 0 ? '✔' : '✖';
    const why = r.timedOut ? `, killed after ${secs(fileTimeoutMs(file))}` : r.code !== 0 && r.fail === 0 ? `, exit ${r.signal ?? r.code}` : '';
    const cpu = r.cpu === undefined ? '' : `, ${r.cpu.toFixed(1)} s CPU`;
    process.stdout.write(`\n${status} ${file} (${secs(r.ms)}${cpu}, ${r.tests} tests${why})\n${r.text.replace(/\s*$/, '\n')}`);
  }
}

// Ctrl-C or a CI cancel: the files run in process groups of their own, so stop them here.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true;
    queue.length = 0;
    killAll('SIGTERM');
    setTimeout(() => killAll('SIGKILL'), 5000).unref();
  });
}

await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));

const wall = Date.now() - started;
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const tests = sum('tests');
const failed = results.filter((r) => r.code !== 0);

// Durations for the next run's order; only files that ran to the end give a meaningful one.
if (!interrupted && nodeFlags.length === 0) {
  const next = { ...known };
  for (const r of results) if (!r.timedOut) next[r.file] = r.ms;
  mkdirSync(path.dirname(TIMES), { recursive: true });
  writeFileSync(TIMES, `${JSON.stringify(next, null, 1)}\n`);
}

console.log('\nslowest files:');
for (const r of [...results].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
  console.log(`  ${secs(r.ms).padStart(8)}${r.cpu === undefined ? '' : `  ${r.cpu.toFixed(1).padStart(6)} s CPU`}  ${r.file}`);
}
console.log(`\n${results.length} test files on ${db}, ${Math.min(concurrency, files.length)} at a time: ${tests} tests, ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skipped')} skipped`);
for (const r of failed) console.log(`✖ ${r.file}${r.timedOut ? ' (timed out)' : r.fail ? ` (${r.fail} failed)` : ` (exit ${r.signal ?? r.code})`}`);
const cpuTotal = childCpuSeconds();
if (cpuTotal !== undefined) console.log(`CPU time of the run ${cpuTotal.toFixed(0)} s (${(cpuTotal / cores).toFixed(0)} s spread over ${cores} cores: the least wall time this machine could take)`);
const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
console.log(`total wall time ${secs(wall)} (${Math.floor(wall / 60000)} min ${Math.round((wall % 60000) / 1000)} s; load average ${load} on ${cores} cores)`);
if (tests === 0) {
  console.error(`no tests ran (${db}): failing`);
  process.exit(1);
}
const failedChecks = (await Promise.all(checks)).filter((c) => !c.ok);
for (const c of failedChecks) console.error(`\n${c.name} failed:\n${c.out}`);
if (checks.length) console.log(failedChecks.length ? `static checks failed: ${failedChecks.map((c) => c.name).join(', ')}` : 'lint and typecheck: clean');
process.exit(failed.length || interrupted || failedChecks.length ? 1 : 0);
