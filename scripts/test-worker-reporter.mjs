// The test reporter of an `npm test` worker process (scripts/test-worker.mjs): it keeps the events
// of the file being run and hands them to the worker when the file's end marker, a test the worker
// registers after the file's own, has run. Root-level tests run one at a time in registration order,
// so every event between two markers belongs to one file, whichever module the test was declared in.
export const MARKER = '\u0000end of file ';

const state = (globalThis[Symbol.for('prescripto.test-worker')] ??= { events: [], onFileEnd: undefined });

// node takes a reporter as an async generator; this one prints nothing (the runner prints the reports)
// eslint-disable-next-line require-yield
export default async function* workerReporter(source) {
  for await (const event of source) {
    const name = event.data?.name;
    if (typeof name === 'string' && name.startsWith(MARKER)) {
      if (event.type === 'test:pass' || event.type === 'test:fail') {
        const events = state.events;
        state.events = [];
        state.onFileEnd?.(events);
      }
      continue;
    }
    // queueing events arrive when a test is declared, not when it runs: noise for a file's report
    if (event.type === 'test:enqueue' || event.type === 'test:dequeue') continue;
    state.events.push(event);
  }
}
