// A worker process of `npm test` (scripts/run-tests.mjs): runs the test files the runner sends over
// IPC, one after another in this one process, so node, tsx and the app's modules load once per
// worker instead of once per file. Each file's tests run to their end before the next file is
// imported; its report (the spec reporter's text of its events, its counts, time and CPU) goes back
// to the runner. Started with `--test-reporter=./scripts/test-worker-reporter.mjs`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { spec } from 'node:test/reporters';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { MARKER } from './test-worker-reporter.mjs';

const state = (globalThis[Symbol.for('prescripto.test-worker')] ??= { events: [], onFileEnd: undefined });

/** CPU seconds of this process and of the child processes it has waited for (servers, browsers). */
function cpuSeconds() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / 100;
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
    // the IPC channel was the last thing keeping this process alive
    process.disconnect();
  }
});
process.send({ type: 'ready' });
