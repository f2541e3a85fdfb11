// Runs once before the test files: builds the migrated template database they clone.
import { ensurePgliteTemplateDir, ensurePgTemplate } from '../test/helpers/db.js';
import { databaseUrlFromEnv } from '../test/helpers/env.js';

const t = Date.now();
const databaseUrl = databaseUrlFromEnv();
if (databaseUrl) {
  const name = await ensurePgTemplate(databaseUrl);
  console.log(`test template database ${name} ready (${Date.now() - t} ms)`);
} else {
  const dir = await ensurePgliteTemplateDir();
  console.log(`test template ${path(dir)} ready (${Date.now() - t} ms)`);
}

function path(p: string): string {
  return p.startsWith(process.cwd()) ? p.slice(process.cwd().length + 1) : p;
}
