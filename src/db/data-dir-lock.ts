// One server per embedded database. PGlite keeps the database in memory and writes it to DATA_DIR;
// a second process on the same directory neither sees the first one's writes nor keeps them (a
// patient registered in one was gone after a restart). The lock is a file in DATA_DIR created
// atomically (O_EXCL) holding the owner's pid and host. A lock whose process is gone (kill -9, a
// crash, a container restarted with the same pid) is taken over; a live owner is a refusal.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDirectory } from '../lib/dirs.js';
import { StartupError } from '../lib/errors.js';

export const LOCK_FILE = 'server.lock';

export interface DataDirLock {
  release(): void;
}

function ownerOf(file: string): { pid: number; host: string } | undefined {
  try {
    const [pid, host] = readFileSync(file, 'utf8').split('\n');
    return Number.isInteger(Number(pid)) && Number(pid) > 0 ? { pid: Number(pid), host: host ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** Lock files this process holds (a second open in the same process is refused, not taken over). */
const held = new Set<string>();

function alive(pid: number, file: string): boolean {
  if (pid === process.pid) return held.has(file); // otherwise an old file whose pid a restart reused
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

function unusable(dataDir: string, err: unknown): StartupError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new StartupError(`DATA_DIR ${dataDir} cannot be used: it cannot be created or written (${code})`);
}

/** Takes DATA_DIR for this process, or throws a StartupError saying who holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  try {
    makeDirectory(dataDir);
  } catch (err) {
    throw unusable(dataDir, err);
  }
  const file = path.join(dataDir, LOCK_FILE);
  const me = `${process.pid}\n${os.hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      held.add(file);
      return {
        release: () => {
          held.delete(file);
          try {
            if (readFileSync(file, 'utf8') === me) unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dataDir, err);
    }
    const owner = ownerOf(file);
    if (owner && owner.host !== os.hostname()) {
      throw new StartupError(`DATA_DIR ${dataDir} is in use by a server on host ${owner.host} (pid ${owner.pid}); if that server is gone, delete ${file}`);
    }
    if (owner && alive(owner.pid, file)) {
      throw new StartupError(`DATA_DIR ${dataDir} is in use by another server (pid ${owner.pid}): stop it first, or give this one another DATA_DIR`);
    }
    // left behind by a process that no longer runs (or half-written): take it over
    try {
      unlinkSync(file);
    } catch {
      /* another starter removed it first: try again */
    }
  }
  throw new StartupError(`DATA_DIR ${dataDir} is being taken by another server starting at the same time`);
}
