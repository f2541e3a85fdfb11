// WEB_CONCURRENCY=N with a PostgreSQL server: the primary process prepares the database once
// (migrations, admin, demo doctors: doing that in N workers at once would race) and then forks N
// workers that share the listening port (node:cluster hands connections out round-robin). Workers
// are stateless API processes: invariants live in PostgreSQL, shared state in Redis. The embedded
// database cannot be opened by two processes, so it always runs in one.
import cluster from 'node:cluster';
import { createContext } from './app.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { systemClock } from './lib/clock.js';
import { createLogger, type AppLogger } from './lib/logger.js';
import { seedDemoDoctors } from './modules/admin/demo.js';
import { serveClusterMetrics } from './lib/cluster-metrics.js';

/** True when this process should become the primary of a worker cluster. */
export function wantsCluster(config: Config): boolean {
  if (!cluster.isPrimary || config.webConcurrency <= 1) return false;
  if (!config.databaseUrl) {
    createLogger(config).warn(`WEB_CONCURRENCY=${config.webConcurrency} ignored: the embedded database runs in one process (set DATABASE_URL to use workers)`);
    return false;
  }
  return true;
}

/** Workers skip the one-time preparation the primary already did. */
export const isClusterWorker = (): boolean => cluster.isWorker;

async function prepareOnce(config: Config, log: AppLogger): Promise<void> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, preparedStatements: config.dbPreparedStatements });
  try {
    const { ctx } = createContext(config, database, systemClock, log);
    ctx.redis?.disconnect();
    await ctx.admin.bootstrap();
    if (config.seedDemo && (await ctx.doctors.count()) === 0) log.info(`empty database: added ${await seedDemoDoctors(ctx)} demo doctors`);
  } finally {
    await database.close();
  }
}

export async function runPrimary(config: Config): Promise<void> {
  // the primary's lines are pino JSON like the workers', marked so they can be told apart
  const log = createLogger(config).child({ role: 'primary' });
  await prepareOnce(config, log);
  serveClusterMetrics();
  let closing = false;
  const fork = () => cluster.fork();
  const recentCrashes: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    if (closing) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // Replace a crashed worker, but stop if they crash in a loop (a broken deploy, not bad luck).
    const now = Date.now();
    recentCrashes.push(now);
    while (recentCrashes.length && now - recentCrashes[0] > 60_000) recentCrashes.shift();
    if (recentCrashes.length > config.webConcurrency * 3) {
      log.error('workers keep crashing: giving up');
      process.exit(1);
    }
    log.error({ worker: worker.process.pid, code, signal }, 'worker exited; starting another');
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    // Each worker finishes its requests in flight (its own SIGTERM handler), then exits.
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGTERM'));
  for (let i = 0; i < config.webConcurrency; i++) fork();
  log.info(`primary ${process.pid}: ${config.webConcurrency} workers on port ${config.port}`);
}
