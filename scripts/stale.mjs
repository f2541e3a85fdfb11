// The --if-stale check of the build scripts: a build is skipped when its output is newer than every
// file it is made from (modification times, walked recursively).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The newest modification time under `p` (0 when it does not exist). */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((n) => newest(path.join(p, n))));
}

/** True when `output` exists and is newer than every file under `sources` (paths inside `base`). */
export function upToDate(output, base, sources) {
  if (!existsSync(output)) return false;
  return statSync(output).mtimeMs > Math.max(...sources.map((n) => newest(path.join(base, n))));
}
