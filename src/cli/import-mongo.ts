// `npm run import:mongo -- <folder> [--dry-run] [--timezone Asia/Kolkata] [--report file] [--batch-size n] [--json]`
// Imports a mongoexport of the original Prescripto (users, doctors, appointments) into the
// configured database (DATA_DIR, or DATABASE_URL when set), after running the migrations as the
// server does. docs/migration.md has the details.
import 'dotenv/config';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { canonicalTimeZone } from '../lib/time.js';
import { COLLECTIONS, doctorDefaultsOf, importMongo, type ImportSummary } from '../modules/migration/mongo-import.js';
import { progressBar } from '../seed/progress.js';
import { parseFolderCommand } from './args.js';
import { memoryWatch, type MemoryPeak } from './memory.js';

const USAGE = 'usage: npm run import:mongo -- <folder> [--dry-run] [--timezone <IANA zone>] [--report <file>] [--batch-size <n>] [--json]';

const cli = parseFolderCommand('import:mongo', USAGE, {
  'dry-run': { type: 'boolean', default: false },
  timezone: { type: 'string' },
  report: { type: 'string', default: 'mongo-import-report.jsonl' },
  'batch-size': { type: 'string', default: '1000' },
  json: { type: 'boolean', default: false },
});
const { folder, flags } = cli;
// annotated, so that TypeScript narrows after a call (a destructured binding would not)
const fail: (message: string) => never = cli.fail;
const batchSize = Number(flags['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) fail('--batch-size must be a whole number from 1 to 10000');

const config = loadConfig();
const timeZone = canonicalTimeZone(flags.timezone ?? config.timezone);
if (!timeZone) fail(`unknown time zone: ${flags.timezone}`);

const memory = memoryWatch();
const report = createWriteStream(flags.report);
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, preparedStatements: config.dbPreparedStatements });
const bar = progressBar();
let summary: ImportSummary;
try {
  summary = await importMongo(database, {
    folder,
    dryRun: flags['dry-run'],
    timeZone,
    currency: config.currency,
    doctorDefaults: doctorDefaultsOf(config.scheduling),
    batchSize,
    onReject: (line) => {
      report.write(JSON.stringify(line) + '\n');
    },
    onProgress: (collection, done, total) => {
      memory.sample();
      bar(collection, done, total);
    },
  });
} catch (err) {
  console.error(`import:mongo: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await database.close();
  report.end();
  await once(report, 'finish');
}
const peak: MemoryPeak = memory.stop();
if (process.exitCode !== 1) print(summary!, peak);

function print(s: ImportSummary, mem: MemoryPeak): void {
  const reportFile = path.resolve(flags.report!);
  if (flags.json) {
    console.log(JSON.stringify({ ...s, report: reportFile, memory: mem }));
    return;
  }
  const where = config.databaseUrl ? 'PostgreSQL server' : `embedded database in ${config.dataDir}`;
  console.log(`${s.dryRun ? 'dry run (nothing written) into' : 'imported into'} the ${where}; times read in ${timeZone} for new doctors`);
  console.log('collection      read   imported   updated  unchanged  rejected');
  for (const c of COLLECTIONS) {
    const r = s.collections[c];
    if (!r.file) {
      console.log(`${c.padEnd(12)} (no file)`);
      continue;
    }
    const n = (v: number) => v.toLocaleString('en').padStart(10);
    console.log(`${c.padEnd(12)}${n(r.read)} ${n(r.imported)}${n(r.updated)} ${n(r.unchanged)}${n(r.rejected)}`);
  }
  const rejected = COLLECTIONS.reduce((t, c) => t + s.collections[c].rejected, 0);
  console.log(rejected ? `${rejected} rows rejected: reasons in ${reportFile}` : `no rows rejected (report: ${reportFile})`);
  console.log(`peak memory: heap ${mem.heapUsedMb} MB, RSS ${mem.rssMb} MB`);
}
