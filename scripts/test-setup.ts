// Runs once before the test files: builds the migrated template database they clone.
import { ensurePgliteTemplate, ensurePgTemplate } from '../test/helpers/db.js';

const t = Date.now();
if (process.env.DATABASE_URL) {
  const name = await ensurePgTemplate(process.env.DATABASE_URL);
  console.log(`test template database ${name} ready (${Date.now() - t} ms)`);
} else {
  const file = await ensurePgliteTemplate();
  console.log(`test template ${file} ready (${Date.now() - t} ms)`);
}
