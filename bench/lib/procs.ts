// Child processes of the benchmark: the API server started as a user would (`npm start`: the bundle
// `node dist/server.mjs` built by scripts/build.mjs, with environment variables), the baselines, and the
// load driver.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LoadOptions } from '../load.js';
import type { LoadResult } from './stats.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = ['--import', 'tsx'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Resident memory (MB) of a process and all its descendants (cluster workers), from /proc. */
export function rssMb(pid: number): number {
  const seen = new Set<number>();
  let kb = 0;
  const visit = (p: number) => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
      for (const tid of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(tid));
    } catch {
      /* exited meanwhile */
    }
  };
  visit(pid);
  return Math.round(kb / 1024);
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (clock ticks of 10 ms). Around
 * a load it gives the server's CPU per request, a figure other work on the machine moves far less
 * than throughput.
 */
export function cpuMs(pid: number, opts: { reapedChildren?: boolean } = {}): number {
  // fields after the command name (which may hold spaces): state is the 1st, utime the 12th, stime
  // the 13th, then the CPU of children it has waited for (cutime, cstime)
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ').map(Number);
  return (f[11] + f[12] + (opts.reapedChildren ? f[13] + f[14] : 0)) * 10;
}

/**
 * CPU time (ms) of every PostgreSQL server process on this machine (`postgres` in /proc), with that
 * of the backends that have exited (the postmaster's reaped children), 0 where there is none: around
 * a load, the database's share of a request (other databases' work counts too, so only on a quiet
 * machine).
 */
export function postgresCpuMs(): number {
  let ms = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.includes('(postgres)')) ms += cpuMs(Number(name), { reapedChildren: true });
    } catch {
      /* exited meanwhile */
    }
  }
  return ms;
}

/** Samples RSS every 100 ms until stopped; returns the peak seen. */
export function rssSampler(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

export interface RunningServer {
  url: string;
  pid: number;
  /** spawn to first successful answer to GET / */
  startMs: number;
  idleRssMb: number;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** `npm run build` once per benchmark run: what `npm start` does before it starts the server. */
export function buildServer(): void {
  const r = spawnSync(process.execPath, [path.join('scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** Starts the real server (as `npm start` does, after buildServer()) and waits until GET / answers 200. */
export async function startServer(env: Record<string, string>, opts: { profileDir?: string; logFile?: string } = {}): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  // --profile: V8 CPU profiles of the server, written when it exits (open them in Chrome DevTools)
  const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  // stdout (the JSON log lines) to a file, as a deployment writing its logs to disk would
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [...profile, path.join('dist', 'server.mjs')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, 'pipe'],
  });
  if (typeof out === 'number') closeSync(out); // the child has its own copy
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within 120 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const startMs = Math.round(performance.now() - t0);
  // Measured at rest: a fresh data set gives the notification worker its reminders to send first
  // (one log line each, and on embedded PGlite every query on the server's own thread). Wait until
  // the log has been quiet for 2 s, as an operator would wait after a deployment.
  if (opts.logFile) {
    let size = -1;
    for (let quietSince = performance.now(); performance.now() - quietSince < 2000 && performance.now() - t0 < 300_000;) {
      await new Promise((r) => setTimeout(r, 250));
      const now = statSync(opts.logFile).size;
      if (now !== size) quietSince = performance.now();
      size = now;
    }
  }
  await new Promise((r) => setTimeout(r, 500)); // let start-up garbage settle before "idle"
  return {
    url,
    pid: child.pid!,
    startMs,
    idleRssMb: rssMb(child.pid!),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** Starts a baseline server script (prints "ready" when listening). */
export async function startBaseline(script: string, args: string[]): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...TSX, path.join('bench', 'baselines', script), String(port), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** Runs a script that takes an options file and prints a LoadResult as JSON. */
export async function runJson(script: string, options: unknown, tmpDir: string): Promise<LoadResult> {
  const file = path.join(tmpDir, `opts-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(options));
  const child = spawn(process.execPath, [...TSX, path.join('bench', script), file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

/** Drives `options` with autocannon from its own process. */
export const load = (options: LoadOptions, tmpDir: string) => runJson('load.ts', options, tmpDir);
