// A worker process of `npm test` (scripts/run-tests.mjs): runs the test files the runner sends over
// IPC, one after another in this one process, so node, tsx and the app's modules load once per
// worker instead of once per file. Each file's tests run to their end before the next file is
// imported; its report (the spec reporter's text of its events, its counts, time and CPU) goes back
// to the runner. Started with `--test-reporter=./scripts/test-worker-reporter.mjs`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { spec } from 'node:test/reporters';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { MARKER } from './test-worker-reporter.mjs';

const state = (globalThis[Symbol.for('prescripto.test-worker')] ??= { events: [], onFileEnd: undefined });
// What the files leave running for the next ones (the browser files' shared Chromium,
// test/e2e/harness.ts) is closed by these before the worker exits.
state.atExit ??= [];

/** The fields of /proc/<pid>/stat after the command name: utime is [11], stime [12], cutime [13], cstime [14]. */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** The pids of a process's live children. */
function childPids(pid) {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean);
    } catch {
      return [];
    }
  });
}

/** CPU seconds of a live process, of the children it has waited for and of its live descendants. */
function liveTreeSeconds(pid) {
  try {
    const f = statFields(pid);
    const own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    return own + childPids(pid).reduce((n, child) => n + liveTreeSeconds(child), 0);
  } catch {
    return 0; // ended meanwhile: its time is in its parent's children's time from now on
  }
}

/**
 * CPU seconds of this process, of the child processes it has waited for (servers, browsers) and of
 * those still running: a browser shared by the files of this worker is counted by the file that used
 * it, not by the worker's exit.
 */
function cpuSeconds() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const fields = statFields('self');
    children = (Number(fields[13]) + Number(fields[14])) / 100;
    children += childPids(process.pid).reduce((n, child) => n + liveTreeSeconds(child), 0);
  } catch {
    /* not Linux: this process only */
  }
  return (own.user + own.system) / 1e6 + children;
}

/** The file's events as node's spec reporter prints them, and the counts of its summary. */
async function render(events) {
  const reporter = new spec();
  let text = '';
  reporter.on('data', (chunk) => (text += chunk));
  const ended = new Promise((resolve) => reporter.on('end', resolve));
  const counts = { tests: 0, pass: 0, fail: 0, skipped: 0, failedSuites: 0 };
  for (const event of events) {
    reporter.write(event);
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') {
      if (event.type === 'test:fail') counts.failedSuites++; // a failed before/after hook
      continue;
    }
    counts.tests++;
    if (event.data.skip !== undefined || event.data.todo !== undefined) counts.skipped++;
    else if (event.type === 'test:pass') counts.pass++;
    else counts.fail++;
  }
  reporter.end();
  await ended;
  return { text, ...counts };
}

async function runFile(file) {
  const t0 = Date.now();
  const cpu0 = cpuSeconds();
  const fileEnd = new Promise((resolve) => (state.onFileEnd = resolve));
  let loadError;
  try {
    await import(pathToFileURL(path.resolve(file)).href);
  } catch (err) {
    loadError = err;
  }
  test(`${MARKER}${file}`, () => {});
  const report = await render(await fileEnd);
  if (loadError) {
    report.text += `\n✖ ${file} could not be loaded:\n${inspect(loadError)}\n`;
    report.fail++;
  }
  return { ...report, file, ms: Date.now() - t0, cpu: cpuSeconds() - cpu0, rss: process.memoryUsage().rss };
}

process.on('message', (msg) => {
  if (msg?.type === 'run') {
    runFile(msg.file).then(
      (result) => process.send({ type: 'result', ...result }),
      (err) => process.send({ type: 'result', file: msg.file, text: inspect(err), tests: 0, pass: 0, fail: 1, skipped: 0, failedSuites: 0, ms: 0, cpu: 0, rss: 0 }),
    );
  } else if (msg?.type === 'exit') {
    void (async () => {
      // A browser's helper processes (zygote, renderers, GPU) outlive its main process by a moment,
      // so init reaps them, not this process: the runner's count of its children's CPU would miss
      // them. What they used is measured while they run (less the little the closing costs) and
      // sent along.
      const running = cpuSeconds();
      for (const close of state.atExit) {
        try {
          await close();
        } catch (err) {
          console.error(`closing what the files left for the next ones failed: ${inspect(err)}`);
        }
      }
      // once sent, the IPC channel was the last thing keeping this process alive
      process.send({ type: 'unreaped', cpu: Math.max(0, running - cpuSeconds()) }, () => process.disconnect());
    })();
  }
});
process.send({ type: 'ready' });
