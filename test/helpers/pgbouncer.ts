// A PgBouncer in transaction mode in front of one PostgreSQL database, on a free port, with trust
// auth: for the pooler test and the multi-node run. Debian's pgbouncer (`apt-get install pgbouncer`,
// .ci/run installs it) or PGBOUNCER_PATH.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './server-process.js';

export const PGBOUNCER = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';

export interface PgBouncer {
  port: number;
  /** the database through the pooler */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer for `database` on `host:port` (user `user`, no password), its files in `dir`,
 * with `poolSize` server connections per database, and waits until it answers.
 */
export async function startPgBouncer(opts: { dir: string; host: string; port: number; database: string; user?: string; poolSize: number }): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER)) {
    throw new Error(`PgBouncer not found at ${PGBOUNCER}: install it with \`sudo apt-get install -y pgbouncer\` (.ci/run does this), or set PGBOUNCER_PATH.`);
  }
  const user = opts.user || 'postgres';
  const port = await freePort();
  chmodSync(opts.dir, 0o777); // PgBouncer refuses to run as root: it drops to the postgres user, which writes its pid file here
  writeFileSync(path.join(opts.dir, 'users.txt'), `"${user}" ""\n`);
  const ini = path.join(opts.dir, 'pgbouncer.ini');
  writeFileSync(
    ini,
    [
      '[databases]',
      `${opts.database} = host=${opts.host} port=${opts.port} dbname=${opts.database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      'auth_type = trust',
      `auth_file = ${path.join(opts.dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${opts.poolSize}`,
      'max_client_conn = 200',
      // node-postgres sends statement_timeout at connect; PgBouncer would refuse the login otherwise
      'ignore_startup_parameters = statement_timeout',
      `pidfile = ${path.join(opts.dir, 'pgbouncer.pid')}`,
    ].join('\n') + '\n',
  );
  const child = spawn(PGBOUNCER, process.getuid?.() === 0 ? ['-u', 'postgres', ini] : [ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const url = `postgres://${user}@127.0.0.1:${port}/${opts.database}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      await probe.end();
      return { port, url, stop };
    } catch (err) {
      await probe.end().catch(() => undefined);
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop();
        throw new Error(`PgBouncer did not start: ${(err as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
