// Waiting on a condition instead of a fixed sleep: returns as soon as `cond` holds, fails naming
// what never happened. The poll interval only bounds how late the test notices, not what it asserts.
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
