// `npm run seed`: the admin from ADMIN_EMAIL/ADMIN_PASSWORD and the demo doctors.
import 'dotenv/config';
import { loadConfig } from './config.js';
import { createContext } from './app.js';
import { openDatabase } from './db/client.js';
import { systemClock } from './lib/clock.js';
import { seedDemoDoctors } from './modules/admin/demo.js';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const { ctx } = createContext(config, database, systemClock);
  await ctx.admin.bootstrap();
  ctx.redis?.disconnect();
  const n = await seedDemoDoctors(ctx);
  console.log(`admin ${config.adminEmail} ready; ${n} demo doctors added`);
} finally {
  await database.close();
}
