// A throwaway PostgreSQL primary (initdb on a free port) and hot-standby replicas of it
// (pg_basebackup -R), from the Debian binaries on this machine, for the read-replica test and the
// multi-node run. A replica copies a whole cluster, so neither touches the server on 5432.
// PostgreSQL refuses to run as root: as root every command runs as the postgres OS user.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server-process.js';

/** The newest /usr/lib/postgresql/<version>/bin, or PG_BIN_DIR. */
export function pgBinDir(): string {
  const given = process.env.PG_BIN_DIR;
  if (given) return given;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  if (!versions.length) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql), or set PG_BIN_DIR');
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0], 'bin');
}

const isRoot = () => process.getuid?.() === 0;

function run(bin: string, args: string[]): string {
  const file = path.join(pgBinDir(), bin);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
}

export interface PgNode {
  port: number;
  dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  start(): void;
  /** fast shutdown (clients disconnected); `immediate`: like a crash */
  stop(mode?: 'fast' | 'immediate'): void;
}

export interface PgCluster {
  primary: PgNode;
  replicas: PgNode[];
  /** stops every server and removes every data directory */
  destroy(): void;
}

function node(dataDir: string, port: number): PgNode {
  // sockets in the data directory: no need for /var/run/postgresql
  const opts = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  return {
    port,
    dataDir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => void run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', 'start']),
    stop: (mode = 'fast') => void run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']),
  };
}

/** initdb + start a primary, then `replicas` hot standbys streaming from it. */
export async function createPgCluster(replicas = 1): Promise<PgCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'prescripto-pgcluster-'));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
  const started: PgNode[] = [];
  const destroy = () => {
    for (const n of started.reverse()) {
      try {
        n.stop('immediate');
      } catch {
        /* already stopped */
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const primaryDir = path.join(root, 'primary');
    // initdb's pg_hba trusts local TCP connections, replication ones included
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const primary = node(primaryDir, await freePort());
    primary.start();
    started.push(primary);
    const standbys: PgNode[] = [];
    for (let i = 0; i < replicas; i++) {
      const dir = path.join(root, `replica${i + 1}`);
      run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dir, '-R', '-X', 'stream', '--no-sync']);
      const standby = node(dir, await freePort());
      standby.start();
      started.push(standby);
      standbys.push(standby);
    }
    return { primary, replicas: standbys, destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}
