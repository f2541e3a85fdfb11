// Network only: read config, check the ports, open the database, build the app, listen, shut down
// gracefully. Whatever stops the start (a wrong setting, a busy port, a data directory in use, an
// unreachable database) is one line on stderr naming what to fix, and exit code 1.
// Only the configuration is imported up front: a wrong setting is reported before the rest of the
// application (hundreds of modules, native addons) is loaded.
import 'dotenv/config';
import cluster from 'node:cluster';
import net from 'node:net';
import { ConfigError, loadConfig, type Config } from './config.js';
import { driverErrorOf, StartupError } from './lib/errors.js';
import { safeErrorMessage, type AppLogger } from './lib/logger.js';

/** What a failed listen means for the person starting the server. */
function listenProblem(err: unknown, setting: 'PORT' | 'OPS_PORT', port: number, host: string): StartupError | undefined {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupError(`${setting} ${port} is already in use on ${host} (another server is listening there)`);
    case 'EACCES':
      return new StartupError(`${setting} ${port} needs privileges this process does not have (use a port above 1023)`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`HOST ${host} is not an address of this machine`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`HOST ${host} cannot be resolved to an address`);
    default:
      return undefined;
  }
}

/** Fails with a StartupError when `port` cannot be listened on, before anything else is opened. */
async function assertCanListen(host: string, port: number, setting: 'PORT' | 'OPS_PORT'): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenProblem(err, setting, port, host) ?? err));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The one line printed when the start fails. */
async function startupErrorLine(err: unknown, config: Config | undefined): Promise<string> {
  if (err instanceof ConfigError) return `configuration error: ${err.message}`;
  if (err instanceof StartupError) return `cannot start: ${err.message}`;
  if (config?.databaseUrl) {
    const where = (() => {
      try {
        const u = new URL(config.databaseUrl);
        return `${u.hostname}:${u.port || 5432}${u.pathname}`;
      } catch {
        return 'the configured server';
      }
    })();
    const sqlState = driverErrorOf(err)?.code;
    if (sqlState === '28P01' || sqlState === '28000') return `cannot start: DATABASE_URL: ${where} refused the login (${safeErrorMessage(err)})`;
    if (sqlState === '3D000') return `cannot start: DATABASE_URL: the database ${where} does not exist`;
    const code = (err as NodeJS.ErrnoException).code;
    const { isDatabaseDown } = await import('./plugins/errors.js');
    if (isDatabaseDown(err) || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return `cannot start: DATABASE_URL: cannot reach the PostgreSQL server at ${where} (${code ?? safeErrorMessage(err)})`;
    }
  }
  return `cannot start: ${safeErrorMessage(err)}`;
}

/** What a person starting the server should know: the admin login (development), CORS, /metrics. */
async function startupNotes(config: Config, log: Pick<AppLogger, 'info' | 'warn'>): Promise<void> {
  const [{ describeCors }, { describeOpsEndpoints }] = await Promise.all([import('./plugins/external/cors.js'), import('./plugins/ops.js')]);
  if (config.nodeEnv === 'development') {
    if (config.adminPasswordIsDefault) {
      log.info(`admin login: ${config.adminEmail} / ${config.adminPassword}`);
      log.warn('ADMIN_PASSWORD is the public default: set your own in .env (production refuses to start with it)');
    } else {
      log.info(`admin login: ${config.adminEmail} with the password in ADMIN_PASSWORD`);
    }
  }
  log.info(describeCors(config));
  log.info(describeOpsEndpoints(config));
}

/** Set once read, so a later failure can be explained with it. */
let loaded: Config | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  loaded = config;
  // A busy port is said before the database is opened (which takes DATA_DIR's lock and migrates).
  // Not in a cluster's workers: the primary checked, and the port is theirs to share.
  if (!cluster.isWorker) {
    await assertCanListen(config.host, config.port, 'PORT');
    if (config.opsPort !== undefined) await assertCanListen(config.host, config.opsPort, 'OPS_PORT');
  }
  if (!config.databaseUrl) {
    const embedded = await import('./db/prepare-embedded.js');
    const settings = { sharedBuffersMb: config.embeddedSharedBuffersMb, workMemKb: config.embeddedWorkMemKb };
    if (process.argv.includes(embedded.PREPARE_FLAG)) {
      await embedded.prepareEmbedded(config.dataDir, settings);
      process.exit(0);
    }
    if (embedded.isNewDataDir(config.dataDir)) await embedded.prepareInChildProcess();
  }
  const [{ buildApp }, { isClusterWorker, runPrimary, wantsCluster }, { seedDemoDoctors }, { buildOpsApp }] = await Promise.all([
    import('./app.js'), import('./cluster.js'), import('./modules/admin/demo.js'), import('./plugins/ops.js'),
  ]);
  if (wantsCluster(config)) {
    await runPrimary(config); // WEB_CONCURRENCY workers: src/cluster.ts
    return;
  }
  const app = await buildApp(config);
  // the admin account and demo doctors are the API's to prepare (a cluster's primary did it once);
  // a job worker leaves them to the web processes, so two kinds starting together do not race
  const prepares = !isClusterWorker() && config.processRole !== 'worker';
  if (prepares) await app.ctx.admin.bootstrap();
  if (prepares && config.seedDemo && (await app.ctx.doctors.count()) === 0) {
    const n = await seedDemoDoctors(app.ctx);
    app.log.info(`empty database: added ${n} demo doctors (SEED_DEMO=false to skip)`);
  }
  const where = app.ctx.database.kind === 'pg' ? 'PostgreSQL server' : `embedded database in ${config.dataDir}`;
  let ops: Awaited<ReturnType<typeof buildOpsApp>> | undefined;
  if (config.processRole === 'worker') {
    // A job worker: the app is made ready (which starts the jobs) but not served; its port answers
    // /health, /ready and /metrics only.
    await app.ready();
    ops = await buildOpsApp(app.ctx);
    try {
      await ops.listen({ host: config.host, port: config.opsPort ?? config.port });
    } catch (err) {
      await app.close().catch(() => undefined);
      throw listenProblem(err, config.opsPort === undefined ? 'PORT' : 'OPS_PORT', config.opsPort ?? config.port, config.host) ?? err;
    }
    app.log.info(`job worker (PROCESS_ROLE=worker) on ${where}: /health, /ready and /metrics on port ${config.opsPort ?? config.port}`);
  } else {
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      await app.close().catch(() => undefined); // releases DATA_DIR
      throw listenProblem(err, 'PORT', config.port, config.host) ?? err;
    }
    app.log.info(`API docs at http://localhost:${config.port}/docs (${where})${config.processRole === 'web' ? '; background jobs run in PROCESS_ROLE=worker processes' : ''}`);
    if (!isClusterWorker()) await startupNotes(config, app.log);
    // /ready and /metrics on a port the load balancer does not expose, when OPS_PORT is set
    ops = config.opsPort === undefined ? undefined : await buildOpsApp(app.ctx);
    if (ops) await ops.listen({ host: config.host, port: config.opsPort });
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: finishing requests in flight, then closing`);
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    // app.close() stops accepting, waits for requests in flight, then runs the onClose hooks
    // (workers stop, Redis disconnects, the database closes and DATA_DIR is released).
    await ops?.close();
    await app.close();
    app.log.info('closed cleanly');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A stray rejection (a listener, a timer) is logged, never a crash of every request in flight.
  process.on('unhandledRejection', (reason) => app.log.error({ err: reason }, 'unhandled rejection'));
}

main().catch(async (err: unknown) => {
  console.error(await startupErrorLine(err, loaded).catch(() => `cannot start: ${safeErrorMessage(err)}`));
  process.exit(1);
});
