// Network only: read config, open the database, build the app, listen, shut down gracefully.
import 'dotenv/config';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { seedDemoDoctors } from './modules/admin/demo.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  await app.ctx.admin.bootstrap();
  if (config.seedDemo && (await app.ctx.doctors.count()) === 0) {
    const n = await seedDemoDoctors(app.ctx);
    app.log.info(`empty database: added ${n} demo doctors (SEED_DEMO=false to skip)`);
  }
  await app.listen({ host: config.host, port: config.port });
  app.log.info(`API docs at http://localhost:${config.port}/docs (${app.ctx.database.kind === 'pg' ? 'PostgreSQL server' : `embedded database in ${config.dataDir}`})`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: finishing requests in flight, then closing`);
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out');
      process.exit(1);
    }, 10_000);
    timer.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
