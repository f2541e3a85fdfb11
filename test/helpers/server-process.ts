// The real server as a child process, for shutdown and crash tests: its own database (a PGlite data
// dir seeded from the migrated template, or a fresh PostgreSQL database), JSON logs captured line by
// line. Started from the bundle `npm test` builds (TEST_SERVER_ENTRY, scripts/build.mjs, what
// `npm start` runs), or through tsx from src/server.ts when a file runs outside the runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/client.js';
import { freshDatabase, scratchDir, seedPgliteDataDir } from './db.js';
import { databaseUrlFromEnv, redisUrlFromEnv } from './env.js';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface ServerDatabase {
  env: Record<string, string>;
  dataDir: string;
  /** opens the server's database directly (only while no server holds a PGlite data dir) */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

/** A database for child servers: PGlite under a temp DATA_DIR, or (DATABASE_URL set) a fresh server database. */
export async function serverDatabase(): Promise<ServerDatabase> {
  const dataDir = scratchDir('prescripto-proc-');
  if (databaseUrlFromEnv()) {
    const testDb = await freshDatabase();
    await testDb.database.close();
    const url = testDb.url!;
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: url },
      dataDir,
      open: () => openDatabase({ databaseUrl: url, migrate: false, poolSize: 2 }),
      cleanup: async () => {
        await testDb.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // Seeding the data dir from the migrated template saves the child an initdb and every migration.
  await seedPgliteDataDir(dataDir);
  return {
    env: { DATA_DIR: dataDir },
    dataDir,
    open: () => openDatabase({ dataDir, migrate: false }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export const CHILD_ADMIN = { email: 'ops-admin@prescripto.test', password: 'ops-admin-password-1' };

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  base: string;
  /** stdout lines so far (pino JSON in production mode) */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** node's arguments for a server started from `entry`, by default the test run's bundle or the source. */
function serverArgs(entry = process.env.TEST_SERVER_ENTRY): string[] {
  return entry ? [entry] : ['--import', 'tsx', 'src/server.ts'];
}

/** The environment of a child server on `port`: production, JSON logs, a known admin; `env` overrides. */
function childEnv(port: number, env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    JWT_SECRET: 'child-process-secret-0123456789abcdef',
    ADMIN_EMAIL: CHILD_ADMIN.email,
    ADMIN_PASSWORD: CHILD_ADMIN.password,
    SEED_DEMO: 'false',
    // bcrypt at the lowest cost for the accounts the tests create (see testEnv in ./app.ts)
    BCRYPT_ROUNDS: '4',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...(redisUrlFromEnv() ? { REDIS_URL: redisUrlFromEnv()!, REDIS_PREFIX: `p${randomBytes(4).toString('hex')}:` } : {}),
    ...env,
  };
}

export interface FailedStart {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a server that is expected to refuse to start, until it exits (killed after `timeoutMs`:
 * then `signal` is SIGKILL). `env` may say `{PORT}` for the port the child was given.
 */
export async function runToExit(env: Record<string, string>, opts: { port?: number; timeoutMs?: number } = {}): Promise<FailedStart> {
  const port = opts.port ?? (await freePort());
  const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('{PORT}', String(port))]));
  const proc = spawn(process.execPath, serverArgs(), { cwd: path.resolve('.'), env: childEnv(port, resolved), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (c, s) => resolve({ code: c, signal: s })));
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** `entry`: a bundle of the server (scripts/build.mjs) other than the test run's own. */
export async function startServer(env: Record<string, string>, opts: { entry?: string } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, serverArgs(opts.entry), {
    cwd: path.resolve('.'),
    env: childEnv(port, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gone) throw new Error(`server exited during start:\n${stderr}\n${lines.slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${stderr}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    proc,
    port,
    base,
    lines,
    exited,
    async waitForLine(pattern, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => pattern.test(l));
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no log line matching ${pattern}; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
