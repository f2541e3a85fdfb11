// `npm run export:mongo -- <folder> [--canonical] [--json]`
// Writes users.json, doctors.json and appointments.json in the original Prescripto's shape
// (mongoexport's Extended JSON lines), from the configured database. docs/migration.md has the details.
import 'dotenv/config';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { exportMongo, type ExportSummary } from '../modules/migration/mongo-export.js';
import { parseFolderCommand } from './args.js';
import { memoryWatch } from './memory.js';

const USAGE = 'usage: npm run export:mongo -- <folder> [--canonical] [--json]';

const { folder, flags } = parseFolderCommand('export:mongo', USAGE, {
  canonical: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
});

const config = loadConfig();
const memory = memoryWatch();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, preparedStatements: config.dbPreparedStatements });
let summary: ExportSummary | undefined;
const reported = new Map<string, number>();
try {
  summary = await exportMongo(database, {
    folder,
    canonical: flags.canonical,
    onProgress: (collection, written) => {
      memory.sample();
      if (written - (reported.get(collection) ?? 0) >= 50_000) {
        console.error(`${collection}: ${written.toLocaleString('en')} written`);
        reported.set(collection, written);
      }
    },
  });
} catch (err) {
  console.error(`export:mongo: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
const peak = memory.stop();
if (summary) {
  if (flags.json) console.log(JSON.stringify({ collections: summary, memory: peak }));
  else {
    for (const [c, r] of Object.entries(summary)) console.log(`${c.padEnd(12)} ${r.written.toLocaleString('en').padStart(10)}  ${r.file}`);
    console.log(`peak memory: heap ${peak.heapUsedMb} MB, RSS ${peak.rssMb} MB`);
  }
}
