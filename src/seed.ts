// `npm run seed`: the admin from ADMIN_EMAIL/ADMIN_PASSWORD and the demo doctors.
// `npm run seed -- --doctors 10000 --patients 200000 --appointments 1000000`: bulk data at scale
// (src/seed/bulk.ts) into the configured database (DATA_DIR, or DATABASE_URL when set).
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { createContext } from './app.js';
import { openDatabase } from './db/client.js';
import { systemClock } from './lib/clock.js';
import { seedDemoDoctors } from './modules/admin/demo.js';
import { bulkSeed } from './seed/bulk.js';
import { progressBar } from './seed/progress.js';

const { values: flags } = parseArgs({
  options: {
    doctors: { type: 'string' },
    patients: { type: 'string' },
    appointments: { type: 'string' },
    password: { type: 'string', default: 'seed-password-123' },
  },
});
const bulk = flags.doctors !== undefined || flags.patients !== undefined || flags.appointments !== undefined;
const size = (v: string | undefined) => (v === undefined ? 0 : Number(v.replace(/[_,]/g, '')));

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, preparedStatements: config.dbPreparedStatements });
try {
  const { ctx } = createContext(config, database, systemClock);
  await ctx.admin.bootstrap();
  ctx.redis?.disconnect();
  if (bulk) {
    const started = Date.now();
    const bar = progressBar();
    const r = await bulkSeed(database, {
      doctors: size(flags.doctors),
      patients: size(flags.patients),
      appointments: size(flags.appointments),
      password: flags.password,
      timeZone: config.timezone,
      currency: config.currency,
      now: new Date(),
      onProgress: (phase, done, total) => bar(phase, done, total),
    });
    const where = database.kind === 'pg' ? 'PostgreSQL server' : `embedded database in ${config.dataDir}`;
    console.log(
      `seeded ${r.doctors} doctors, ${r.patients} patients, ${r.appointments} appointments into the ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
        `\naccounts: ${r.email('doctor', 0)}, ${r.email('patient', 0)}, … (password: ${flags.password})`,
    );
  } else {
    const n = await seedDemoDoctors(ctx);
    console.log(`admin ${config.adminEmail} ready; ${n} demo doctors added`);
  }
} finally {
  await database.close();
}
