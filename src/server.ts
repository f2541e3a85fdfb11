// Network only: read config, open the database, build the app, listen, shut down gracefully.
import 'dotenv/config';
import { buildApp } from './app.js';
import { isClusterWorker, runPrimary, wantsCluster } from './cluster.js';
import { ConfigError, loadConfig } from './config.js';
import { seedDemoDoctors } from './modules/admin/demo.js';
import { buildOpsApp } from './plugins/ops.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (wantsCluster(config)) return runPrimary(config); // WEB_CONCURRENCY workers: src/cluster.ts
  const app = await buildApp(config);
  if (!isClusterWorker()) await app.ctx.admin.bootstrap(); // a cluster's primary did this once
  if (!isClusterWorker() && config.seedDemo && (await app.ctx.doctors.count()) === 0) {
    const n = await seedDemoDoctors(app.ctx);
    app.log.info(`empty database: added ${n} demo doctors (SEED_DEMO=false to skip)`);
  }
  await app.listen({ host: config.host, port: config.port });
  app.log.info(`API docs at http://localhost:${config.port}/docs (${app.ctx.database.kind === 'pg' ? 'PostgreSQL server' : `embedded database in ${config.dataDir}`})`);

  // /ready and /metrics on a port the load balancer does not expose, when OPS_PORT is set
  const ops = config.opsPort === undefined ? undefined : await buildOpsApp(app.ctx);
  if (ops) await ops.listen({ host: config.host, port: config.opsPort });

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
    // (workers stop, Redis disconnects, the database closes).
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

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
