// `npm run gen:api`: builds the app in-process (no server, no network) on a throwaway embedded
// database, reads its OpenAPI document and writes the web app's API types.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { API_TYPES_FILE, apiTypes } from './api-types.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-genapi-'));
try {
  const app = await buildApp(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SEED_DEMO: 'false' }));
  await app.ready();
  const text = await apiTypes(app.swagger());
  await app.close();
  writeFileSync(API_TYPES_FILE, text);
  console.log(`wrote ${API_TYPES_FILE}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
