// `npm test`: every test/**/*.test.ts (listed explicitly: a quoted glob or a bare directory would run
// 0 tests and still exit 0), after building the template database once. The files run in
// TEST_CONCURRENCY worker processes (scripts/test-worker.mjs, node's test runner), each running one
// file after another, so node, tsx and the app's modules load once per worker rather than once per
// file; a few files that must not share a process get one of their own (OWN_PROCESS below). Server
// and browser files (test/e2e) share the pool: each file has its own database, app, ports and
// browser contexts (the files of a worker share its Chromium, test/e2e/harness.ts), so they are
// independent. The slowest files start first (durations of earlier runs, kept in
// .cache/test-times.json), so the run does not end waiting on one long file started last. A file's
// report (spec reporter) is printed when it finishes, in one piece, with what its tests
// printed themselves. Fails on any failure, on a worker that crashes (naming its file) and when no
// test ran; prints the slowest files and the total wall time. A whole run (no filter) also lints and
// typechecks the tree beside the tests, and fails on a lint warning or a type error.
//
//   npm test -- booking                       files whose path contains "booking"
//   npm test -- e2e --test-name-pattern=pay   flags starting with "-" go to every worker's node process
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
        // each keeps what it learnt under .cache (files unchanged since the last run are not read
        // again): a repeated run lints and typechecks in about 9 s of CPU instead of 45
        check('lint', ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '--cache', '--cache-strategy', 'content', '--cache-location', '.cache/eslint/', '.']),
        check('typecheck (server)', ['node_modules/typescript/bin/tsc', '-p', '.', '--incremental', '--tsBuildInfoFile', '.cache/tsc-server.tsbuildinfo']),
        check('typecheck (web)', ['node_modules/typescript/bin/tsc', '-p', 'web', '--incremental', '--tsBuildInfoFile', '.cache/tsc-web.tsbuildinfo']),
      ]
    : [];

// The browser tests load the built web app: build it first when its sources changed.
if (files.some(isE2e)) {
  const web = spawnSync(process.execPath, ['scripts/build-web.mjs', '--if-stale'], { stdio: 'inherit', env });
  if (web.status !== 0) process.exit(web.status ?? 1);
}

// The files that start the real server as a child process (test/helpers/server-process.ts) start it
// from the esbuild bundle, as `npm start` does, rather than through tsx, which transpiles every
// source file at each start (about 1.7 s of CPU a start, some forty starts a run). The MongoDB
// import and export commands the migration tests run are bundled beside it and started from there
// (test/modules/migration/cli.ts). Rebuilt when src/ changed; a file run outside this runner starts
// src/server.ts and the commands through tsx.
const SERVER_BUNDLE = path.resolve('.cache/server-bundle');
{
  const server = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', SERVER_BUNDLE, '--if-stale'], { stdio: 'inherit', env });
  if (server.status !== 0) process.exit(server.status ?? 1);
  env.TEST_SERVER_ENTRY = path.join(SERVER_BUNDLE, 'server.mjs');
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
// One more worker than cores: a file waiting on its child server or browser leaves its core to another.
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
 * CPU seconds used by this runner's finished child processes and everything they waited for
 * (servers, browsers): Linux's cutime + cstime in /proc/self/stat, at 100 ticks a second; a figure a
 * busy machine does not inflate the way it inflates wall time. Each file's own CPU time is measured
 * by its worker the same way, plus the processes still running at the file's end (the shared
 * browser). What a closing browser leaves for init to reap is added from the workers' count
 * (`unreapedCpu`). Undefined elsewhere.
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

/**
 * Files that run in a process of their own rather than after other files in a shared worker, and
 * why. Everything else shares: a file builds its own database, app, ports and clock, and src/ keeps
 * no module-level state between apps (src/config.ts reads the environment it is given).
 */
const OWN_PROCESS = new Map([
  // sets process.env.REDIS_URL for a moment and runs `npm test` inside itself
  ['test/unit/test-env.test.ts', 'changes process.env'],
]);
const ownProcess = (f) => OWN_PROCESS.has(f.split(path.sep).join('/'));
// A worker whose memory grew past this after a file (module scopes of finished files keep their
// apps and databases reachable) is replaced by a fresh one.
const WORKER_RSS_LIMIT = 1.5 * 1024 ** 3;

const running = new Set();
/** CPU seconds of processes the workers started that init reaped (what a browser leaves when it closes). */
let unreapedCpu = 0;
const killAll = (signal) => {
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  }
};

/**
 * A worker process (scripts/test-worker.mjs) running the files it is given one at a time. In its own
 * process group: a timed-out file is killed with the servers and browsers it started. Its stdout and
 * stderr (what the tests print themselves) go with the file running when they arrive.
 */
function startWorker() {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test-reporter=./scripts/test-worker-reporter.mjs', '--test-reporter-destination=stdout', ...nodeFlags, 'scripts/test-worker.mjs'],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env, detached: true },
  );
  running.add(child.pid);
  let out = [];
  child.stdout.on('data', (c) => out.push(c));
  child.stderr.on('data', (c) => out.push(c));
  const takeOutput = () => {
    const text = Buffer.concat(out).toString('utf8');
    out = [];
    return text;
  };
  let onMessage = () => {};
  let onExit = () => {};
  const ready = new Promise((resolve) => (onMessage = (msg) => msg?.type === 'ready' && resolve()));
  child.on('message', (msg) => onMessage(msg));
  const closed = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child.pid);
      resolve({ code, signal });
      onExit({ code, signal });
    }),
  );
  const files = [];
  return {
    files,
    /** Runs one file; resolves with its result, or a failed one naming the crash or the timeout. */
    async run(file) {
      files.push(file);
      await Promise.race([ready, closed]);
      return new Promise((resolve) => {
        const t0 = Date.now();
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, fileTimeoutMs(file));
        onMessage = (msg) => {
          if (msg?.type !== 'result' || msg.file !== file) return;
          clearTimeout(timer);
          const text = `${msg.text}${takeOutput()}`;
          resolve({ ...msg, text, code: msg.fail || msg.failedSuites ? 1 : 0, timedOut: false });
        };
        onExit = ({ code, signal }) => {
          clearTimeout(timer);
          const others = files.slice(0, -1);
          const ran = others.length ? ` (the process had run ${others.join(', ')} before it)` : '';
          const text = `${takeOutput()}\nthe worker process running this file ${timedOut ? `was killed after ${secs(fileTimeoutMs(file))}` : `exited (${signal ?? code})`} before the file's end${ran}\n`;
          resolve({ file, text, ms: Date.now() - t0, cpu: undefined, code: code || 1, signal, timedOut, crashed: !timedOut, tests: 0, pass: 0, fail: 0, skipped: 0 });
        };
        if (child.exitCode !== null || child.signalCode !== null) onExit({ code: child.exitCode, signal: child.signalCode });
        else child.send({ type: 'run', file });
      });
    },
    /** Lets the worker end (its tests left nothing open); killed when it does not within a minute. */
    async retire() {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      onExit = () => {};
      onMessage = (msg) => {
        if (msg?.type === 'unreaped') unreapedCpu += msg.cpu;
      };
      child.send({ type: 'exit' });
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 60_000);
      const end = await closed;
      clearTimeout(timer);
      const text = takeOutput();
      return end.code === 0 || end.code === 1 ? undefined : { files: [...files], end, text };
    },
  };
}

const results = [];
const workerFailures = [];
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
function report(r) {
  results.push(r);
  const status = r.code === 0 ? '✔' : '✖';
  const why = r.timedOut ? `, killed after ${secs(fileTimeoutMs(r.file))}` : r.crashed ? `, worker exited ${r.signal ?? r.code}` : '';
  const cpu = r.cpu === undefined ? '' : `, ${r.cpu.toFixed(1)} s CPU`;
  process.stdout.write(`\n${status} ${r.file} (${secs(r.ms)}${cpu}, ${r.tests} tests${why})\n${r.text.replace(/\s*$/, '\n')}`);
}

/** One lane of the pool: takes the next file from the queue until none is left. */
async function lane() {
  let w;
  const retire = async () => {
    const failure = await w?.retire();
    if (failure) {
      workerFailures.push(failure);
      process.stdout.write(`\n✖ a worker process did not end cleanly (${failure.end.signal ?? failure.end.code}) after ${failure.files.join(', ')}\n${failure.text}`);
    }
    w = undefined;
  };
  for (let file = queue.shift(); file; file = queue.shift()) {
    const alone = ownProcess(file);
    if (alone) await retire();
    w ??= startWorker();
    const r = await w.run(file);
    report(r);
    if (alone || r.timedOut || r.crashed || r.rss > WORKER_RSS_LIMIT) await retire();
  }
  await retire();
}

// Ctrl-C or a CI cancel: the workers run in process groups of their own, so stop them here.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true;
    queue.length = 0;
    killAll('SIGTERM');
    setTimeout(() => killAll('SIGKILL'), 5000).unref();
  });
}

await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, lane));

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

// A failure's details sit in its file's report, far up a long log: repeated here, at the end, where a
// CI excerpt (the log's tail) shows them.
for (const r of failed) {
  const at = r.text.indexOf('failing tests:');
  const details = (at >= 0 ? r.text.slice(at) : r.text).split('\n').slice(0, 80).join('\n');
  console.log(`\n✖ ${r.file}: ${details.replace(/\s*$/, '')}`);
}

console.log('\nslowest files:');
for (const r of [...results].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
  console.log(`  ${secs(r.ms).padStart(8)}${r.cpu === undefined ? '' : `  ${r.cpu.toFixed(1).padStart(6)} s CPU`}  ${r.file}`);
}
console.log(`\n${results.length} test files on ${db}, ${Math.min(concurrency, files.length)} at a time: ${tests} tests, ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skipped')} skipped`);
for (const r of failed) console.log(`✖ ${r.file}${r.timedOut ? ' (timed out)' : r.crashed ? ` (its worker exited ${r.signal ?? r.code})` : r.fail ? ` (${r.fail} failed)` : ' (a hook failed)'}`);
for (const w of workerFailures) console.log(`✖ a worker did not end cleanly after ${w.files.join(', ')}`);
const reapedCpu = childCpuSeconds();
const cpuTotal = reapedCpu === undefined ? undefined : reapedCpu + unreapedCpu;
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
process.exit(failed.length || workerFailures.length || interrupted || failedChecks.length ? 1 : 0);
